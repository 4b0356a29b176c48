"""Request bodies, checked as they are read (one ASGI middleware, for every route of every
surface).

A JSON body holding a lone surrogate (`"\\ud800"`) is valid JSON but no valid text: no
database stores it and no response can echo it. When the last chunk arrives the body is
checked, and a bad one is refused the way FastAPI refuses malformed JSON (a
`json.JSONDecodeError` raised while the route reads its body), so each surface answers in
its own error style and nothing reaches a service."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A \uD800-\uDFFF escape; only bodies that have one are decoded a second time.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class RequestBodyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def checked_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    body = b"".join(chunks)
                    chunks.clear()
                    if _SURROGATE_ESCAPE.search(body):
                        _refuse_lone_surrogates(body)
            return message

        await self.app(scope, checked_receive, send)


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media: bytes = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or media.endswith(b"+json")
    return True  # FastAPI reads a body without a content type as JSON


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
