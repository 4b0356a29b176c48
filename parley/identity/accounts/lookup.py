"""The one check that an account is live (exists and is not disabled), for every surface.

Kept apart from `service` so that any domain can use it without importing the runtime."""

from __future__ import annotations

from typing import TypeGuard

from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import NotFound
from parley.identity.sessions import repository
from parley.models import User


def is_live(user: User | None) -> TypeGuard[User]:
    return user is not None and user.disabled_at is None


async def get_live_user(session: AsyncSession, user_id: int) -> User:
    """The account, unless it is gone or disabled (NotFound)."""
    user = await repository.get_user(session, user_id)
    if not is_live(user):
        raise NotFound("No such user")
    return user
