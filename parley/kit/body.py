"""Request bodies, bounded and checked as they are read (one ASGI middleware, for every route
of every surface).

- Size: every body is limited (`PARLEY_BODY_MAX_BYTES`; an upload route marked with
  `upload_route("avatar_max_bytes")` gets that setting plus 64 KiB for the multipart
  envelope). A `Content-Length` over the limit is refused with 413 when
  the route first asks for its body, before a byte of it is read; a chunked body is refused
  as soon as it passes the limit, and nothing past it is read.
- Text: a JSON body holding a lone surrogate (`"\\ud800"`) is valid JSON but no valid text:
  no database stores it and no response can echo it. It is refused the way FastAPI refuses
  malformed JSON (a `json.JSONDecodeError` raised while the route reads its body).

Both are raised inside the route's own body reading, so each surface answers in its own
error style, and nothing reaches a service."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A \uD800-\uDFFF escape; only bodies that have one are decoded a second time.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
ENVELOPE_BYTES = 64 * 1024

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def upload_route(setting: str) -> Callable[[Endpoint], Endpoint]:
    """Mark a route whose body is an upload limited by the byte-count setting `setting`."""

    def mark(endpoint: Endpoint) -> Endpoint:
        endpoint.body_limit_setting = setting  # type: ignore[attr-defined]
        return endpoint

    return mark


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes")


class RequestBodyMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int, setting: Callable[[str], int]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.setting = setting

    def _limit(self, scope: Scope) -> int:
        endpoint = getattr(scope.get("route"), "endpoint", None)
        name = getattr(endpoint, "body_limit_setting", None)
        if name is not None:
            return self.setting(name) + ENVELOPE_BYTES
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        check_text = _is_json(scope)
        declared = _content_length(scope)
        chunks: list[bytes] = []
        received = 0
        limit: int | None = None

        async def checked_receive() -> Message:
            nonlocal received, limit
            if limit is None:  # first call: the route is known by now
                limit = self._limit(scope)
                if declared is not None and declared > limit:
                    raise BodyTooLarge(limit)
            if received > limit:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] != "http.request":
                return message
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                chunks.clear()
                raise BodyTooLarge(limit)
            if check_text:
                chunks.append(chunk)
                if not message.get("more_body", False):
                    body = b"".join(chunks)
                    chunks.clear()
                    if _SURROGATE_ESCAPE.search(body):
                        _refuse_lone_surrogates(body)
            return message

        await self.app(scope, checked_receive, send)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    return int(value) if value is not None and value.isdigit() else None


def _is_json(scope: Scope) -> bool:
    value = _header(scope, b"content-type")
    if value is None:
        return True  # FastAPI reads a body without a content type as JSON
    media = value.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or media.endswith(b"+json")


def _refuse_lone_surrogates(body: bytes) -> None:
    try:
        document = json.loads(body)
    except ValueError:
        return  # malformed anyway: FastAPI reports it
    if _has_lone_surrogate(document):
        text = body.decode("utf-8", "replace")
        raise json.JSONDecodeError("Text must not contain lone surrogates", text, 0)


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False
