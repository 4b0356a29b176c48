"""SQL for mentions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from parley.models import MessageMention


async def insert_mentions(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """One statement for the whole batch (executemany)."""
    table = MessageMention.__table__
    assert isinstance(table, Table)
    await session.execute(insert(table), list(rows))
