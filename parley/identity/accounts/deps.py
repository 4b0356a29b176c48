"""Authentication dependencies: `CurrentPrincipal` (token only) and `CurrentUser` (loaded)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from parley.deps import Session, authenticate
from parley.identity.accounts import service
from parley.identity.sessions.tokens import Principal
from parley.kit.bearer import Bearer
from parley.models import User

bearer = Bearer(authenticate, description="`Bearer <token>` or the bare token", cookie="jwt")
get_principal = bearer.required()

CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


async def get_current_user(principal: CurrentPrincipal, session: Session) -> User:
    return await service.get_signed_in_user(session, principal)


CurrentUser = Annotated[User, Depends(get_current_user)]
