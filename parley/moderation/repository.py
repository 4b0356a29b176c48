"""SQL for account moderation and message reports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley.models import Message, MessageReport, User


async def set_disabled(session: AsyncSession, user_id: int, when: datetime | None) -> User | None:
    """Set or clear disabled_at (the UPDATE locks the row: sign-ins share-lock it)."""
    await session.execute(update(User).where(User.id == user_id).values(disabled_at=when))
    user = await session.get(User, user_id, populate_existing=True)
    return user


async def add_report(session: AsyncSession, report: MessageReport) -> None:
    session.add(report)
    await session.flush()


async def list_reports(
    session: AsyncSession, *, before: int | None, limit: int
) -> Sequence[tuple[MessageReport, Message, User]]:
    """Newest first, each with its message and reporter."""
    stmt = (
        select(MessageReport, Message, User)
        .join(Message, Message.id == MessageReport.message_id)
        .join(User, User.id == MessageReport.reporter_id)
        .order_by(MessageReport.id.desc())
        .limit(limit)
    )
    if before is not None:
        stmt = stmt.where(MessageReport.id < before)
    rows = await session.execute(stmt)
    return [(row[0], row[1], row[2]) for row in rows.all()]
