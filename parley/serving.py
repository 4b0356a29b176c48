"""How `parley serve` runs uvicorn: connection limits and timeouts against slow clients, and
the line saying the server is ready.

uvicorn arms no timer until a connection's first response, so a client that sends its
request head a byte at a time (slowloris) holds the socket for ever. `HeadTimeoutProtocol`
closes a connection whose request head (request line and headers) is not complete within
`PARLEY_SERVER_HEADER_TIMEOUT_SECONDS` of its first byte or of the connection opening."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import sys
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from sqlalchemy.engine import make_url
from uvicorn.config import STARTUP_FAILURE
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors import Multiprocess

from parley.observability import configure_logging
from parley.settings import Settings, get_settings


class HeadTimeoutProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.head_timeout = get_settings().server_header_timeout_seconds
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm_head_timer()

    def on_headers_complete(self) -> None:
        self._cancel_head_timer()
        super().on_headers_complete()

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The served configuration (besides host, port and workers)."""
    return {
        "loop": "uvloop",
        "http": HeadTimeoutProtocol,
        "access_log": False,
        "proxy_headers": False,
        "timeout_graceful_shutdown": 10,
        "timeout_keep_alive": settings.server_keep_alive_seconds,
        "limit_concurrency": settings.server_limit_concurrency,
        "ws_per_message_deflate": False,  # zlib state per socket would cost ~300 KiB each
        "ws_max_size": 64 * 1024,  # the gateway closes frames over 4 KiB itself (4010)
        "log_config": None,
    }


class AnnouncingServer(uvicorn.Server):
    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            announce_ready(get_settings())


def run(config: uvicorn.Config) -> None:
    """`uvicorn.run` for `config`, announcing once when it accepts connections: after startup
    with one worker, after binding the socket (the workers start behind it) with several."""
    settings = get_settings()
    if config.workers > 1:
        configure_logging(settings.log_level, settings.log_format)  # the supervisor's own lines
        sock = config.bind_socket()
        announce_ready(settings)
        Multiprocess(config, sockets=[sock]).run()
        return
    server = AnnouncingServer(config)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)


def announce_ready(settings: Settings) -> None:
    """The first-run line: where the server is, its database (no password), where mail goes
    and how to make the first admin."""
    if settings.mail_url == "outbox":
        mail = f"outbox {settings.data_dir / 'outbox'}"
    else:
        parts = urlsplit(settings.mail_url)
        mail = f"{parts.scheme} {parts.hostname}:{parts.port or ''}".rstrip(":")
    logging.getLogger("parley").info(
        f"Parley is ready at {settings.public_url}",
        extra={
            "url": settings.public_url,
            "database": make_url(settings.database_url).render_as_string(hide_password=True),
            "mail": mail,
            "first_admin": "parley users create NAME --admin",
        },
    )
