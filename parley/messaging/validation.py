"""The limits on what members write: message text, ciphertext, channel names, channel keys."""

from __future__ import annotations

from parley.errors import Invalid
from parley.messaging.errors import BadCiphertext, BadContent
from parley.models import Channel
from parley.settings import Settings

MAX_TEXT = 4000
MAX_KEY_CHARS = 8192
MAX_NAME = 100


def check_text(content: str) -> str:
    if not content.strip() or len(content) > MAX_TEXT or "\x00" in content:
        raise BadContent()
    return content


def check_ciphertext(content: str, max_bytes: int) -> str:
    """Any non-empty text up to the cap: E2E libraries write base64, hex or JSON envelopes."""
    if not content or len(content) > max_bytes or "\x00" in content:
        raise BadCiphertext(f"Ciphertext must be 1-{max_bytes} characters")
    return content


def check_key(value: str) -> str:
    if not value or len(value) > MAX_KEY_CHARS or "\x00" in value:
        raise Invalid(f"Encrypted keys are 1-{MAX_KEY_CHARS} characters")
    return value


def check_keys(encrypted_keys: dict[int, str], member_ids: set[int]) -> None:
    """A new encrypted channel carries its key encrypted to each member, and only to them."""
    if set(encrypted_keys) != member_ids:
        raise Invalid("An encrypted channel needs the key encrypted to each member")
    for value in encrypted_keys.values():
        check_key(value)


def check_content(channel: Channel, content: str, settings: Settings) -> str:
    if channel.encrypted:
        return check_ciphertext(content, settings.encrypted_message_max_bytes)
    return check_text(content)


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME or "\x00" in name:
        raise Invalid(f"Channel names are 1-{MAX_NAME} characters")
    return name
