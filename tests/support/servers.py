"""Real server processes (`parley serve`) and real protocol peers for end-to-end tests."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from parley.testing import ServerProcess, free_port, settings_env, start_server, wait_healthy

__all__ = [
    "ServerProcess",
    "SmtpSink",
    "body_of",
    "free_port",
    "settings_env",
    "start_server",
    "wait_healthy",
]


@dataclass
class SmtpSink:
    """A real SMTP server (aiosmtpd) that keeps what it receives."""

    host: str = "127.0.0.1"
    port: int = field(default_factory=free_port)
    messages: list[Message] = field(default_factory=list)
    controller: Controller | None = None

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        self.messages.append(message_from_bytes(content))
        return "250 OK"

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> None:
        self.controller = Controller(self, hostname=self.host, port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def wait_for(self, address: str, count: int = 1, timeout: float = 10) -> list[Message]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no mail for {address} within {timeout}s")


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload.decode(message.get_content_charset() or "utf-8")
    return str(message.get_payload())
