"""Authentication dependencies: `CurrentPrincipal` (token only) and `CurrentUser` (loaded)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Security
from fastapi.security import APIKeyCookie, APIKeyHeader
from starlette.requests import HTTPConnection

from parley.deps import Session, get_runtime
from parley.errors import NotFound, Unauthorized
from parley.identity import service
from parley.identity.tokens import Principal, extract_token
from parley.models import User

authorization_header = APIKeyHeader(
    name="Authorization",
    auto_error=False,
    description="`Bearer <token>` or the bare token",
)
jwt_cookie = APIKeyCookie(name="jwt", auto_error=False)


async def get_principal(
    conn: HTTPConnection,
    authorization: Annotated[str | None, Security(authorization_header)] = None,
    cookie: Annotated[str | None, Security(jwt_cookie)] = None,
) -> Principal:
    token = extract_token(authorization, cookie)
    if not token:
        raise Unauthorized("Missing access token")
    return await get_runtime(conn).auth.authenticate(token)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


async def get_current_user(principal: CurrentPrincipal, session: Session) -> User:
    try:
        return await service.get_user(session, principal.user_id)
    except NotFound as exc:  # a database outage is not the client's fault: it stays a 503
        raise Unauthorized("Account no longer exists") from exc


CurrentUser = Annotated[User, Depends(get_current_user)]
