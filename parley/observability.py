"""Request ids (`asgi-correlation-id`), structured logs (JSON by `python-json-logger`, or text on
a terminal) and the per-request metrics, as ASGI middleware."""

from __future__ import annotations

import logging
import re
import sys
import time
from typing import Any

import orjson
from asgi_correlation_id import CorrelationIdMiddleware, correlation_id
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.orjson import OrjsonFormatter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parley.kit import metrics
from parley.kit.secrets import new_token

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# uvicorn's `color_message` repeats the message with ANSI escapes: never part of a line
_NOT_EXTRA = {*vars(logging.makeLogRecord({})), "color_message", "message", "asctime"}

access_log = logging.getLogger("parley.access")


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _NOT_EXTRA}


class JsonFormatter(OrjsonFormatter):
    """One JSON object a line: ts, level, logger, msg, the record's extras and exc."""

    def __init__(self) -> None:
        super().__init__(
            ["created", "levelname", "name", "message"],
            rename_fields={
                "created": "ts",
                "levelname": "level",
                "name": "logger",
                "message": "msg",
                "exc_info": "exc",
            },
            reserved_attrs=[*RESERVED_ATTRS, "taskName", "color_message"],
        )

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        log_data["ts"] = round(log_data["ts"], 3)
        log_data["level"] = log_data["level"].lower()
        return log_data


class TextFormatter(logging.Formatter):
    """`time level logger: message key=value …`, for a person at a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = " ".join(f"{k}={_text_value(v)}" for k, v in _extras(record).items())
        head, newline, rest = line.partition("\n")  # a traceback follows on its own lines
        return f"{head} {fields}{newline}{rest}" if fields else line


def _text_value(value: Any) -> str:
    text = str(value)
    return orjson.dumps(text).decode() if not text or " " in text else text


def configure_logging(level: str, log_format: str = "auto") -> None:
    handler = logging.StreamHandler(sys.stderr)
    text = log_format == "text" or (log_format == "auto" and sys.stderr.isatty())
    handler.setFormatter(TextFormatter() if text else JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("uvicorn.access").disabled = True
    # a malformed X-Request-ID is replaced silently, not worth a line per request
    logging.getLogger("asgi_correlation_id").setLevel(logging.ERROR)
    # aiosqlite logs every call with its bound values at DEBUG (password and token hashes):
    # never below INFO. SQLAlchemy's own logs hide them (`hide_parameters` in parley.db).
    logging.getLogger("aiosqlite").setLevel(max(logging.INFO, root.level))


def current_request_id() -> str | None:
    """The current request's id (None outside a request)."""
    return correlation_id.get()


class RequestMiddleware:
    """`X-Request-ID` (the client's when it is a short token, else a new one, echoed on the
    response), then one log line per request (path only, never the query) and its metrics,
    labelled by route template."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._with_id = CorrelationIdMiddleware(
            self._measured,
            header_name="X-Request-ID",
            generator=lambda: new_token(9),
            validator=lambda value: _REQUEST_ID.fullmatch(value) is not None,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._with_id(scope, receive, send)

    async def _measured(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            elapsed = time.perf_counter() - started
            template = getattr(scope.get("route"), "path", "unmatched")
            metrics.request(scope["method"], template, status, elapsed)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "request",
                    extra={
                        "request_id": correlation_id.get(),
                        "method": scope["method"],
                        "route": template,
                        "status": status,
                        "ms": round(elapsed * 1000, 2),
                    },
                )
