"""The Telegram bot webhook: `/start <code>` stores a sign-in code for the sender."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import Forbidden
from parley.identity.accounts import audit
from parley.kit.secrets import token_hash
from parley.kit.time import utc_now
from parley.models import TelegramLoginCode
from parley.providers import repository
from parley.providers.clients import ProviderClients
from parley.providers.telegram import CODE, CODE_TTL_SECONDS


@dataclass(frozen=True)
class TelegramReply:
    chat_id: int | str
    text: str


def check_telegram_secret(presented: str | None, *, providers: ProviderClients) -> None:
    """The webhook is Telegram's only if it carries our secret (constant-time compare)."""
    if not providers.telegram.enabled or not providers.telegram.secret_ok(presented):
        raise Forbidden("Bad webhook secret")


async def receive_telegram_update(
    session: AsyncSession,
    update: Mapping[str, Any],
    *,
    providers: ProviderClients,
    secret: str | None,
) -> TelegramReply | None:
    """Handle one Bot API update. `/start <code>` stores the code (hashed) with the sender's
    Telegram id and profile for five minutes; the reply is for `send_telegram_reply`."""
    check_telegram_secret(secret, providers=providers)
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    sender = message.get("from")
    chat = message.get("chat")
    body = message.get("text")
    if not isinstance(sender, dict) or not isinstance(chat, dict) or sender.get("is_bot"):
        return None
    chat_id = chat.get("id")
    sender_id = sender.get("id")
    if not isinstance(chat_id, int | str) or not isinstance(sender_id, int) or sender_id <= 0:
        return None
    if not isinstance(body, str) or not body.startswith("/start"):
        return TelegramReply(chat_id, "Open the app and choose “Sign in with Telegram”.")
    parts = body.split(maxsplit=1)
    code = parts[1].strip() if len(parts) == 2 else ""
    if not CODE.fullmatch(code):
        return TelegramReply(chat_id, "This sign-in link is not valid. Start again from the app.")
    telegram_id = str(sender_id)
    code_hash = token_hash(code)
    record = await repository.get_code(session, code_hash)
    if record is not None and record.expires_at <= utc_now():
        record = None  # removed with the other expired codes below
    if record is not None and record.telegram_user_id != telegram_id:
        return TelegramReply(
            chat_id, "This sign-in link was already used. Start again from the app."
        )
    # The Bot API calls come before any write, so no lock is held while they run.
    photo_path = await providers.telegram.photo_path(sender_id)
    profile = {
        "first_name": sender.get("first_name"),
        "last_name": sender.get("last_name"),
        "username": sender.get("username"),
        "photo_path": photo_path,
    }
    now = utc_now()
    await repository.delete_expired_codes(session, now)
    expires = now + timedelta(seconds=CODE_TTL_SECONDS)
    if record is not None:
        record.profile = profile
        record.expires_at = expires
    else:
        try:
            async with session.begin_nested():
                session.add(
                    TelegramLoginCode(
                        code_hash=code_hash,
                        telegram_user_id=telegram_id,
                        profile=profile,
                        expires_at=expires,
                    )
                )
                await session.flush()
        except IntegrityError:
            return TelegramReply(chat_id, "This sign-in link was already used.")
    await audit.record(session, "telegram.code_stored", telegram_user_id=telegram_id)
    return TelegramReply(chat_id, "Done! Return to the app to finish signing in.")


async def send_telegram_reply(reply: TelegramReply, *, providers: ProviderClients) -> None:
    """Deliver a reply through `sendMessage`; call it after the request committed."""
    await providers.telegram.send_message(reply.chat_id, reply.text)
