"""The acting administrator: a signed-in user holding the admin role, or a super app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from parley.access import service as access
from parley.access.deps import OptionalApp
from parley.deps import Client, Session, SettingsDep
from parley.errors import Unauthorized
from parley.identity.accounts.deps import authenticate, get_current_user
from parley.identity.sessions.tokens import Principal
from parley.kit.bearer import extract_token
from parley.kit.client import ClientInfo
from parley.models import App, User


@dataclass(frozen=True)
class Actor:
    """Who performs an admin action: recorded with every audit record it writes."""

    user: User | None
    principal: Principal | None
    app: App | None
    client: ClientInfo

    @property
    def name(self) -> str:
        if self.user is not None:
            return self.user.username
        return f"app:{self.app.url}" if self.app is not None else "?"


async def get_actor(
    conn: HTTPConnection,
    session: Session,
    app: OptionalApp,
    client: Client,
    settings: SettingsDep,
) -> Actor:
    """401 without credentials, 403 (admin_required) for anyone but an admin or a super app."""
    if app is not None and app.is_super:
        return Actor(None, None, app, client)
    token = extract_token(conn.headers.get("authorization"), conn.cookies.get("jwt"))
    if token is None:
        raise Unauthorized("Missing access token")
    principal = await authenticate(conn, token)
    user = await get_current_user(principal, session)
    await access.require_admin(session, user=user, app=app, settings=settings)
    return Actor(user, principal, None, client)


AdminActor = Annotated[Actor, Depends(get_actor)]
