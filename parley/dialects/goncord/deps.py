"""Goncord's super-app gate, as the original's `IsSuperResource` plug: the user token is
checked first (401), then a missing, unknown or non-super `x-app-token` is 403."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Security

from parley.access import service as access
from parley.access.deps import app_token_header
from parley.access.errors import InvalidAppToken, SuperAppRequired
from parley.deps import Session
from parley.identity.accounts.deps import CurrentUser


async def require_super_app(
    _user: CurrentUser,
    session: Session,
    token: Annotated[str | None, Security(app_token_header)] = None,
) -> None:
    try:
        app = await access.authenticate_app(session, token)
    except InvalidAppToken as exc:
        raise SuperAppRequired("This needs a super app token") from exc
    access.require_super(app)


SuperAppGate = Annotated[None, Depends(require_super_app)]
