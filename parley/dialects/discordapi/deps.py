"""DiscordApi's auth scheme (the JWT in `Authorization`, bare or Bearer) and the caller's
country as its sign-ups take it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from parley.deps import Client
from parley.errors import Forbidden
from parley.identity.accounts.deps import authenticate
from parley.identity.accounts.geo import language_region
from parley.identity.sessions.tokens import Principal
from parley.kit.bearer import Bearer

bearer = Bearer(
    authenticate, description="The JWT, bare or as `Bearer <token>`", missing="Not authenticated"
)

# Every authenticated endpoint: 401 for a missing or bad token; the nginx gateway check
# answers 403 instead.
DiscordPrincipal = Annotated[Principal, Depends(bearer.required())]
GatewayPrincipal = Annotated[
    Principal, Depends(bearer.required(lambda _: Forbidden("Invalid token")))
]


async def request_country(
    client: Client, accept_language: Annotated[str | None, Header()] = None
) -> str | None:
    """GeoIP on the client address (X-Forwarded-For from a trusted proxy), else from
    Accept-Language; None when neither tells."""
    return client.country or language_region(accept_language)


Country = Annotated[str | None, Depends(request_country)]
