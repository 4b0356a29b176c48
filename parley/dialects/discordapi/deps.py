"""DiscordApi's auth scheme: the JWT in `Authorization` (bare or Bearer)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header
from starlette.requests import HTTPConnection

from parley.deps import get_runtime
from parley.errors import Forbidden, Unauthorized
from parley.identity.tokens import Principal, extract_token


async def gateway_principal(
    conn: HTTPConnection, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    """The nginx gateway check answers 403 (not 401) for a missing or bad token."""
    token = extract_token(authorization)
    try:
        if not token:
            raise Unauthorized()
        return await get_runtime(conn).auth.authenticate(token)
    except Unauthorized as exc:
        raise Forbidden("Invalid token") from exc


GatewayPrincipal = Annotated[Principal, Depends(gateway_principal)]
