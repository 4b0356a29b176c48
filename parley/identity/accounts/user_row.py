"""The user's row as every domain writes it: the lock order and the profile version.

Lock order: a transaction that writes a user's row (a profile field, the profile version)
and rows hanging off that user (role links, app payloads) locks the user's row first
(`lock_user`), then the others, app payloads by ascending app id; several users by ascending
id. On PostgreSQL, writers that took these row locks in opposite orders (a payload, then the
version bump; against a name change, then the payload) deadlocked two requests for one user.

Every change to what a profile shows (its fields, the email, roles, app payloads) bumps
`profile_version` and emits `user.updated` after commit (`touch_profile`).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from parley import events
from parley.db import emit
from parley.identity.sessions import repository


async def lock_user(session: AsyncSession, user_id: int) -> None:
    """Lock the user's row first, before any role link or app payload of theirs (see the
    lock order above). Taking it again in the same transaction costs a round trip only."""
    await repository.lock_user(session, user_id)


async def touch_profile(session: AsyncSession, user_id: int) -> int:
    """Bump the user's profile version (atomically) and announce the change after commit."""
    version = await repository.bump_profile_version(session, user_id)
    data = events.ProfileVersionData(user_id=user_id, profile_version=version)
    emit(session, events.UserUpdated(user_ids=(user_id,), data=data))
    return version
