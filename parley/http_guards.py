"""ASGI guards every surface shares: request body limits and text the app cannot store, and
the security headers on every response.

`BodyGuard` wraps `receive`: the first read refuses a `Content-Length` over the route's limit
(413) and, for a multipart upload, a request without a valid access token (401) before a
byte of it is read; later reads stop past the limit. A JSON body holding a lone UTF-16
surrogate (`"\\ud800"`), which no database column or response encoder accepts, is 400.
Errors are raised as HTTPExceptions from inside the route, so each dialect renders them in
its own style.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parley.errors import ParleyError
from parley.identity.tokens import extract_token

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
# routes whose answers carry a token, a code or a QR secret, on every surface
_NO_STORE_PREFIXES = (
    "/v1/auth",
    "/v1/qr",
    "/v1/oauth",
    "/auth/",
    "/api/v1/auth",
    "/api/v0/tokens",
    "/account/auth",
    "/account/refresh",
    "/account/telegram",
)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class BodyGuard:
    def __init__(self, app: ASGIApp, *, json_max_bytes: int, upload_max_bytes: int) -> None:
        self.app = app
        self.json_max_bytes = json_max_bytes
        self.upload_max_bytes = upload_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        content_type = (_header(scope, b"content-type") or "").lower()
        upload = content_type.startswith("multipart/")
        limit = self.upload_max_bytes if upload else self.json_max_bytes
        scan = "json" in content_type or not content_type
        state: dict[str, Any] = {"first": True, "size": 0, "chunks": []}

        async def guarded() -> Message:
            if state["first"]:
                state["first"] = False
                length = _header(scope, b"content-length")
                if length is not None and length.isdigit() and int(length) > limit:
                    raise HTTPException(413, f"The request body is over {limit} bytes")
                if upload:
                    await _authenticate(scope)
            message = await receive()
            if message["type"] != "http.request":
                return message
            chunk = message.get("body", b"")
            state["size"] += len(chunk)
            if state["size"] > limit:
                raise HTTPException(413, f"The request body is over {limit} bytes")
            if scan:
                state["chunks"].append(chunk)
                if not message.get("more_body", False):
                    _refuse_lone_surrogates(b"".join(state["chunks"]))
            return message

        await self.app(scope, guarded, send)


async def _authenticate(scope: Scope) -> None:
    """An upload is read only for a caller with a valid token (no database hit when the
    session was seen recently)."""
    token = extract_token(_header(scope, b"authorization"))
    if not token:
        raise HTTPException(401, "Missing access token")
    try:
        await scope["app"].state.runtime.auth.authenticate(token)
    except ParleyError as exc:
        raise HTTPException(401, exc.message) from exc


def _refuse_lone_surrogates(body: bytes) -> None:
    if not _SURROGATE_ESCAPE.search(body):
        return
    try:
        orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if "surrogate" in str(exc):
            raise HTTPException(400, "Text must not contain lone UTF-16 surrogates") from exc


class SecurityHeaders:
    """The shared security headers on every HTTP response, and `Cache-Control: no-store` on
    the sign-in, token, code and QR routes of every surface (their bodies carry secrets)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        no_store = str(scope.get("path", "")).startswith(_NO_STORE_PREFIXES)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {key.lower() for key, _ in headers}
                headers += [(k, v) for k, v in _SECURITY_HEADERS if k not in present]
                if no_store:
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
