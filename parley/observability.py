"""Request ids, structured logs (JSON, or text on a terminal) and Prometheus metrics, in one
ASGI middleware."""

from __future__ import annotations

import logging
import re
import sys
import time
from typing import Any

import orjson
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parley.kit.secrets import new_token

REQUESTS = Counter("parley_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "parley_http_request_seconds",
    "HTTP request latency",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# uvicorn's `color_message` repeats the message with ANSI escapes: never part of a line
_NOT_EXTRA = {*vars(logging.makeLogRecord({})), "color_message", "message", "asctime"}

access_log = logging.getLogger("parley.access")


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _NOT_EXTRA}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        data.update(_extras(record))
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(data, default=str).decode()


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
    # aiosqlite logs every call with its bound values at DEBUG (password and token hashes):
    # never below INFO. SQLAlchemy's own logs hide them (`hide_parameters` in parley.db).
    logging.getLogger("aiosqlite").setLevel(max(logging.INFO, root.level))


class RequestMiddleware:
    """Assigns a request id, logs one line per request (path only, never the query) and
    records metrics labelled by route template."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _REQUEST_ID.match(incoming) else new_token(9)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            REQUESTS.labels(scope["method"], template, str(status)).inc()
            LATENCY.labels(template).observe(elapsed)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "request",
                    extra={
                        "request_id": request_id,
                        "method": scope["method"],
                        "route": template,
                        "status": status,
                        "ms": round(elapsed * 1000, 2),
                    },
                )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None
