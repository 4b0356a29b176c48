"""DiscordApi's auth scheme: the JWT in `Authorization` (bare or Bearer)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Security
from fastapi.security import APIKeyHeader
from starlette.requests import HTTPConnection

from parley.deps import get_runtime
from parley.errors import Forbidden, Unauthorized
from parley.identity.tokens import Principal, extract_token

authorization_header = APIKeyHeader(
    name="Authorization",
    auto_error=False,
    description="The JWT, bare or as `Bearer <token>`",
)
AuthorizationHeader = Annotated[str | None, Security(authorization_header)]


async def principal(conn: HTTPConnection, authorization: AuthorizationHeader = None) -> Principal:
    """Every authenticated DiscordApi endpoint: 401 for a missing or bad token."""
    token = extract_token(authorization)
    if not token:
        raise Unauthorized("Not authenticated")
    return await get_runtime(conn).auth.authenticate(token)


async def gateway_principal(
    conn: HTTPConnection, authorization: AuthorizationHeader = None
) -> Principal:
    """The nginx gateway check answers 403 (not 401) for a missing or bad token."""
    try:
        return await principal(conn, authorization)
    except Unauthorized as exc:
        raise Forbidden("Invalid token") from exc


DiscordPrincipal = Annotated[Principal, Depends(principal)]
GatewayPrincipal = Annotated[Principal, Depends(gateway_principal)]
