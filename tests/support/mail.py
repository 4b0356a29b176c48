"""Reading what Parley mailed: the outbox directory or the real SMTP sink, awaited politely."""

from __future__ import annotations

import asyncio
import re
import time
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

from tests.support.servers import SmtpSink, body_of


def _outbox(data_dir: Path, address: str) -> list[Message]:
    directory = data_dir / "outbox"
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.glob("*.eml")):
        message = message_from_bytes(path.read_bytes())
        if address.lower() in str(message["To"]).lower():
            found.append(message)
    return found


SUBJECTS = {
    "device": "Your Parley code",
    "verify": "Confirm your email",
    "reset": "Reset your Parley password",
    "notice": "New sign-in",
    "approve": "Approve the sign-in",
    "email_change": "Confirm your new Parley email",
    "email_changed": "Your Parley email was changed",
}


def _received(source: SmtpSink | Path, address: str, kind: str) -> list[Message]:
    every = source.to(address) if isinstance(source, SmtpSink) else _outbox(source, address)
    return [m for m in every if str(m["Subject"]).startswith(SUBJECTS[kind])]


async def mail_to(
    source: SmtpSink | Path,
    address: str,
    kind: str,
    count: int = 1,
    wait_seconds: float = 10,
) -> list[Message]:
    """The messages of `kind` (see SUBJECTS) for `address` once there are at least `count`."""
    deadline = time.monotonic() + wait_seconds
    while True:
        found = _received(source, address, kind)
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(found)} mail(s) for {address}, wanted {count}")
        await asyncio.sleep(0.02)


async def last_mail(source: SmtpSink | Path, address: str, kind: str, count: int = 1) -> Message:
    return (await mail_to(source, address, kind, count))[-1]


def code_in(message: Message) -> str:
    match = re.search(r"\b(\d{6})\b", str(message["Subject"])) or re.search(
        r"\b(\d{6})\b", body_of(message)
    )
    assert match, body_of(message)
    return match.group(1)


def link_in(message: Message, path: str) -> str:
    """The mailed link to `path` (`path?token=…`, or `path/…` for a path ending in "/")."""
    tail = r"[A-Za-z0-9_\-]+" if path.endswith("/") else r"\?token=[A-Za-z0-9_\-]+"
    match = re.search(r"https?://[^/\s]+" + re.escape(path) + tail, body_of(message))
    assert match, body_of(message)
    return match.group(0)


def link_token_in(message: Message, path: str) -> str:
    return re.split(r"[/=]", link_in(message, path))[-1]


async def sign_in_new_device(
    client: Any, data_dir: Path, account: Any, device_id: str, password: str
) -> dict[str, Any]:
    """Native sign-in from a device the account has not proven: the mailed code opens it."""
    challenged = await client.post(
        "/v1/auth/login",
        json={"login": account.username, "password": password, "device_id": device_id},
    )
    assert challenged.status_code == 403, challenged.text
    code = code_in(await last_mail(data_dir, account.email, "device"))
    verified = await client.post(
        "/v1/auth/login/verify",
        json={"challenge": challenged.json()["error"]["challenge"], "code": code},
    )
    assert verified.status_code == 200, verified.text
    result: dict[str, Any] = verified.json()
    return result
