"""CORS for the provider endpoints browser apps call from their own origin.

Single-page and other browser apps (public clients) fetch the discovery document and the keys,
exchange codes, refresh, read userinfo and revoke from their origin. These endpoints take no
cookies (credentials are in the body or the Authorization header), so they answer any origin,
without credentials. Every other path is untouched."""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

CORS_PATHS = frozenset(
    {
        "/.well-known/openid-configuration",
        "/.well-known/jwks.json",
        "/oauth/token",
        "/oauth/userinfo",
        "/oauth/revoke",
    }
)


class ProviderCors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=["*"],
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=3600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in CORS_PATHS:
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)
