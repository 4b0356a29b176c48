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
import os
import socket
import sys
import tempfile
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from prometheus_client import start_http_server
from sqlalchemy.engine import make_url
from uvicorn.config import STARTUP_FAILURE
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.supervisors import Multiprocess

from parley.kit import metrics
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


class _Inbox:
    """What the websocket protocol uses of `asyncio.Queue` (one reader), in a list: a queue
    allocates four deques, about 3 KiB per socket."""

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def empty(self) -> bool:
        return not self._items

    async def get(self) -> Any:
        if self._waiter is not None:
            raise RuntimeError("a websocket has one reader at a time")
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.pop(0)


class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websockets-sansio protocol, lighter per open socket (see docs/benchmarks.md
    "Gateway"): `_Inbox` for its queue, and the handshake's parsed request and response
    (about 3 KiB of headers) dropped once the socket is accepted."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = _Inbox()  # type: ignore[assignment]

    async def send(self, message: Any) -> None:
        await super().send(message)
        if message["type"] == "websocket.accept":
            del self.request, self.response


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The served configuration (besides host, port and workers)."""
    return {
        "loop": "uvloop",
        "http": HeadTimeoutProtocol,
        "access_log": False,
        "proxy_headers": False,
        "timeout_graceful_shutdown": 10,
        # a worker answers the supervisor's pings only once it has imported the app: on a busy
        # host that takes longer than uvicorn's 5 s, and the worker would be killed and respawned
        "timeout_worker_healthcheck": 60,
        "timeout_keep_alive": settings.server_keep_alive_seconds,
        "limit_concurrency": settings.server_limit_concurrency,
        "ws": LeanWebSocketProtocol,
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
        with _shared_metrics():
            sock = config.bind_socket()
            _serve_metrics(settings, config.host)
            announce_ready(settings)
            Multiprocess(config, sockets=[sock]).run()
        return
    _serve_metrics(settings, config.host)
    server = AnnouncingServer(config)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        sys.exit(STARTUP_FAILURE)


@contextlib.contextmanager
def _shared_metrics() -> Iterator[None]:
    """Workers write their metrics to files in one fresh directory (prometheus_client's
    multiprocess mode), so any of them, or the metrics port, answers for all."""
    with tempfile.TemporaryDirectory(prefix="parley-metrics-") as directory:
        os.environ[metrics.MULTIPROCESS_DIR] = directory  # the workers inherit it
        try:
            yield
        finally:
            os.environ.pop(metrics.MULTIPROCESS_DIR, None)


def _serve_metrics(settings: Settings, host: str) -> None:
    """`PARLEY_METRICS_PORT`: /metrics on its own port, from a thread of this process."""
    if settings.metrics_enabled and settings.metrics_port is not None:
        start_http_server(settings.metrics_port, host, registry=metrics.registry())


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
