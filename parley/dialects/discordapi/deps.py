"""DiscordApi's auth scheme (the JWT in `Authorization`, bare or Bearer) and the caller's
country as its sign-ups take it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from parley.deps import RuntimeDep, authenticate
from parley.errors import Forbidden
from parley.identity.accounts.geo import first_forwarded_ip, resolve_country
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
    rt: RuntimeDep,
    x_forwarded_for: Annotated[str | None, Header()] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> str | None:
    """From X-Forwarded-For (GeoIP), else from Accept-Language; None when neither tells."""
    return resolve_country(rt.geoip, first_forwarded_ip(x_forwarded_for), accept_language)


Country = Annotated[str | None, Depends(request_country)]
