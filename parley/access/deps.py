"""App authentication (`x-app-token`) and the admin gate."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Security
from fastapi.security import APIKeyHeader
from starlette.requests import HTTPConnection

from parley.access import service
from parley.deps import Session, SettingsDep
from parley.errors import Unauthorized
from parley.identity.accounts.deps import authenticate, get_current_user
from parley.kit.bearer import extract_token
from parley.models import App, User

app_token_header = APIKeyHeader(name="x-app-token", auto_error=False, description="The app's token")


async def get_current_app(
    session: Session, token: Annotated[str | None, Security(app_token_header)] = None
) -> App:
    return await service.authenticate_app(session, token)


CurrentApp = Annotated[App, Depends(get_current_app)]


async def get_super_app(app: CurrentApp) -> App:
    return service.require_super(app)


SuperApp = Annotated[App, Depends(get_super_app)]


async def get_optional_app(
    session: Session, token: Annotated[str | None, Security(app_token_header)] = None
) -> App | None:
    return await service.authenticate_app(session, token) if token else None


OptionalApp = Annotated[App | None, Depends(get_optional_app)]


async def require_admin(
    conn: HTTPConnection, session: Session, app: OptionalApp, settings: SettingsDep
) -> None:
    """A super app token, or a signed-in user holding the admin role."""
    if app is not None and app.is_super:
        return
    token = extract_token(conn.headers.get("authorization"), conn.cookies.get("jwt"))
    if token is None and app is None:
        raise Unauthorized("Missing access token")
    user: User | None = None
    if token is not None:
        user = await get_current_user(await authenticate(conn, token), session)
    await service.require_admin(session, user=user, app=app, settings=settings)


Admin = Depends(require_admin)
