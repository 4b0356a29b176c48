"""Authentication dependencies: `CurrentPrincipal` (token only), `CurrentUser` (loaded), and
the password hasher (`PasswordsDep`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from parley.deps import Session
from parley.identity.accounts import service
from parley.identity.accounts.passwords import Passwords
from parley.identity.sessions.tokens import Authenticator, Principal
from parley.kit.bearer import Bearer
from parley.models import User


async def authenticate(conn: HTTPConnection, token: str) -> Principal:
    """A token's principal, checked by the app's authenticator (no DB hit when cached)."""
    auth: Authenticator = conn.app.state.runtime.auth
    return await auth.authenticate(token)


bearer = Bearer(authenticate, description="`Bearer <token>` or the bare token", cookie="jwt")
get_principal = bearer.required()

CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


async def get_current_user(principal: CurrentPrincipal, session: Session) -> User:
    return await service.get_signed_in_user(session, principal)


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_passwords(conn: HTTPConnection) -> Passwords:
    passwords: Passwords = conn.app.state.runtime.passwords
    return passwords


PasswordsDep = Annotated[Passwords, Depends(get_passwords)]
