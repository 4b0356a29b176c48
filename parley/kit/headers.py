"""Security headers on every HTTP response (one ASGI middleware).

A response that sets its own `Content-Security-Policy` (the API docs pages) or
`Cache-Control` (media, static assets) keeps it; every other response gets the defaults.
`no-store` by default means no response carrying a token, a code or a QR image is ever kept
by a browser or a shared cache, whatever surface or dialect produced it."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def csp_with_script_nonce(nonce: str) -> str:
    """The default policy, letting a page run its inline scripts that carry `nonce`."""
    return CSP.replace("script-src 'self'", f"script-src 'self' 'nonce-{nonce}'")


_ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
_DEFAULTS = (
    (b"content-security-policy", CSP.encode()),
    (b"cache-control", b"no-store"),
)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers = [h for h in headers if h[0].lower() not in dict(_ALWAYS)]
                headers.extend(_ALWAYS)
                headers.extend(h for h in _DEFAULTS if h[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
