"""Outgoing mail: an outbox directory by default, SMTP in production."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
import anyio

from parley.kit.files import private_dir, write_private
from parley.kit.secrets import mask_email, new_token
from parley.kit.time import utc_now

log = logging.getLogger("parley.mail")


class Mailer:
    def __init__(self, sender: str) -> None:
        self.sender = sender

    def build(self, to: str, subject: str, body: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        return message

    async def send(self, to: str, subject: str, body: str) -> None:
        await self.deliver(self.build(to, subject, body))
        log.info("mail sent", extra={"to": mask_email(to), "subject": subject})

    async def deliver(self, message: EmailMessage) -> None:
        raise NotImplementedError


class OutboxMailer(Mailer):
    """Writes each message as an .eml file under the data directory."""

    def __init__(self, sender: str, directory: Path) -> None:
        super().__init__(sender)
        self.directory = directory

    async def deliver(self, message: EmailMessage) -> None:
        name = f"{utc_now():%Y%m%dT%H%M%S%f}-{new_token(6)}.eml"
        await anyio.to_thread.run_sync(_write_outbox, self.directory, name, bytes(message))


def _write_outbox(directory: Path, name: str, data: bytes) -> None:
    # Outbox mail holds reset links and sign-in codes: owner-only, like the database.
    write_private(private_dir(directory) / name, data)


class SmtpMailer(Mailer):
    def __init__(self, sender: str, url: str) -> None:
        super().__init__(sender)
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        self.hostname = parts.hostname or "localhost"
        self.use_tls = parts.scheme == "smtps"
        self.port = parts.port or (465 if self.use_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.start_tls = query.get("starttls", ["0"])[0] in {"1", "true", "yes"}

    async def deliver(self, message: EmailMessage) -> None:
        await aiosmtplib.send(
            message,
            hostname=self.hostname,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.use_tls,
            start_tls=self.start_tls,
            timeout=15,
        )


def make_mailer(url: str, sender: str, data_dir: Path) -> Mailer:
    if url == "outbox":
        return OutboxMailer(sender, data_dir / "outbox")
    if url.startswith(("smtp://", "smtps://")):
        return SmtpMailer(sender, url)
    raise ValueError("PARLEY_MAIL_URL must be 'outbox', smtp://… or smtps://…")
