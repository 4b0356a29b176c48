from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.models import AppPayload


async def lock_payload(session: AsyncSession, app_id: int, user_id: int) -> AppPayload | None:
    """The payload row with a row lock (PostgreSQL), so a read-modify-write cannot lose a
    concurrent role change made through the native API. Take the user's row lock first
    (`parley.identity.accounts.user_row.lock_user`): payload-then-user deadlocks against
    user-then-payload writers."""
    return await session.scalar(
        select(AppPayload)
        .where(AppPayload.app_id == app_id, AppPayload.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
