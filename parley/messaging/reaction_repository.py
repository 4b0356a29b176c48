"""SQL for message reactions."""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from parley.kit.time import utc_now
from parley.messaging.history_repository import among, is_postgres
from parley.models import Message, MessageReaction


async def lock_message(session: AsyncSession, channel_id: int, message_id: int) -> Message | None:
    """The live message, locked until the transaction ends so that concurrent reactions to it
    are counted one after another (PostgreSQL: FOR NO KEY UPDATE; SQLite has no row locks:
    a no-op write takes the database's one write lock first)."""
    where = (
        Message.id == message_id,
        Message.channel_id == channel_id,
        Message.deleted_at.is_(None),
    )
    stmt = select(Message).where(*where)
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(update(Message).where(*where).values(channel_id=Message.channel_id))
    else:
        stmt = stmt.with_for_update(key_share=True)
    return await session.scalar(stmt)


async def emojis_of(session: AsyncSession, message_id: int) -> set[str]:
    rows = await session.scalars(
        select(MessageReaction.emoji).where(MessageReaction.message_id == message_id).distinct()
    )
    return set(rows.all())


async def add(session: AsyncSession, message_id: int, user_id: int, emoji: str) -> bool:
    """False when the user already reacted so."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(MessageReaction)
        .values(message_id=message_id, user_id=user_id, emoji=emoji, created_at=utc_now())
        .on_conflict_do_nothing()
        .returning(MessageReaction.user_id)
    )
    return (await session.execute(stmt)).first() is not None


async def remove(session: AsyncSession, message_id: int, user_id: int, emoji: str) -> bool:
    result = await session.execute(
        delete(MessageReaction).where(
            MessageReaction.message_id == message_id,
            MessageReaction.user_id == user_id,
            MessageReaction.emoji == emoji,
        )
    )
    return bool(getattr(result, "rowcount", 0))


async def count(session: AsyncSession, message_id: int, emoji: str) -> int:
    found = await session.scalar(
        select(func.count()).where(
            MessageReaction.message_id == message_id, MessageReaction.emoji == emoji
        )
    )
    return int(found or 0)


@cache
def _counts_statement(postgres: bool) -> Select[Any]:
    reaction = MessageReaction.__table__.c  # Core columns: plain rows, no ORM loading
    mine = func.max(case((reaction.user_id == bindparam("viewer_id"), 1), else_=0))
    return (
        select(reaction.message_id, reaction.emoji, func.count(), mine)
        .where(among(reaction.message_id, postgres))
        .group_by(reaction.message_id, reaction.emoji)
        .order_by(reaction.message_id, func.min(reaction.created_at))
    )


async def counts(
    session: AsyncSession, viewer_id: int, message_ids: Collection[int]
) -> list[tuple[int, str, int, bool]]:
    """(message id, emoji, count, whether the viewer is among them) for every emoji on the
    messages, in the order each emoji first appeared on its message: one query per page."""
    if not message_ids:
        return []
    params = {"viewer_id": viewer_id, "ids": list(message_ids)}
    rows = await session.execute(_counts_statement(is_postgres(session)), params)
    return [(int(m), str(e), int(c), bool(me)) for m, e, c, me in rows.all()]
