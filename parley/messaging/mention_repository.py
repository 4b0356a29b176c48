"""SQL for mentions."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.models import MessageMention, User


async def user_ids_by_username(session: AsyncSession, names: Collection[str]) -> dict[str, int]:
    """Lower-cased username -> id of the live users among `names` (lower-cased)."""
    if not names:
        return {}
    rows = await session.execute(
        select(User.username_lower, User.id).where(
            User.username_lower.in_(names), User.disabled_at.is_(None)
        )
    )
    return {str(name): int(uid) for name, uid in rows.all()}


async def insert_mentions(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """One statement for the whole batch (executemany)."""
    table = MessageMention.__table__
    assert isinstance(table, Table)
    await session.execute(insert(table), list(rows))
