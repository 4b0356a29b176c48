"""SQL for channels, members, messages, read state and E2E key material."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, insert, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from parley.kit.ids import MAX_ID
from parley.models import Block, Channel, ChannelMember, Message, MessageMention, User, UserKey


def _insert(session: AsyncSession, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


# channels and members


async def get_membership(
    session: AsyncSession, channel_id: int, user_id: int
) -> tuple[Channel, ChannelMember] | None:
    row = (
        await session.execute(
            select(Channel, ChannelMember)
            .join(ChannelMember, ChannelMember.channel_id == Channel.id)
            .where(Channel.id == channel_id, ChannelMember.user_id == user_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def get_dm(session: AsyncSession, low: int, high: int) -> Channel | None:
    return await session.scalar(
        select(Channel).where(Channel.dm_low_id == low, Channel.dm_high_id == high)
    )


async def insert_dm(session: AsyncSession, low: int, high: int, *, encrypted: bool) -> int | None:
    """Insert the pair's direct channel; None when it already exists (concurrent creates
    meet the unique constraint and do nothing)."""
    stmt = (
        _insert(session, Channel)
        .values(kind="dm", dm_low_id=low, dm_high_id=high, encrypted=encrypted)
        .on_conflict_do_nothing(index_elements=["dm_low_id", "dm_high_id"])
        .returning(Channel.id)
    )
    channel_id: int | None = (await session.execute(stmt)).scalar()
    return channel_id


async def get_channel(session: AsyncSession, channel_id: int) -> Channel | None:
    return await session.get(Channel, channel_id)


async def add(session: AsyncSession, *objects: Any) -> None:
    session.add_all(objects)
    await session.flush()


async def delete_channel(session: AsyncSession, channel_id: int) -> None:
    await session.execute(delete(Message).where(Message.channel_id == channel_id))
    await session.execute(delete(ChannelMember).where(ChannelMember.channel_id == channel_id))
    await session.execute(delete(Channel).where(Channel.id == channel_id))


async def get_member(session: AsyncSession, channel_id: int, user_id: int) -> ChannelMember | None:
    return await session.get(ChannelMember, (channel_id, user_id))


async def delete_member(session: AsyncSession, channel_id: int, user_id: int) -> None:
    await session.execute(
        delete(ChannelMember).where(
            ChannelMember.channel_id == channel_id, ChannelMember.user_id == user_id
        )
    )


async def member_ids(session: AsyncSession, channel_id: int) -> list[int]:
    rows = await session.scalars(
        select(ChannelMember.user_id)
        .where(ChannelMember.channel_id == channel_id)
        .order_by(ChannelMember.joined_at, ChannelMember.user_id)
    )
    return list(rows.all())


async def members_with_users(
    session: AsyncSession, channel_id: int
) -> Sequence[tuple[ChannelMember, User]]:
    rows = await session.execute(
        select(ChannelMember, User)
        .join(User, User.id == ChannelMember.user_id)
        .where(ChannelMember.channel_id == channel_id)
        .order_by(ChannelMember.joined_at, ChannelMember.user_id)
    )
    return [(row[0], row[1]) for row in rows.all()]


async def channels_with_members(
    session: AsyncSession, channel_ids: Collection[int], *, with_names: bool = False
) -> tuple[dict[int, tuple[Channel, list[int]]], dict[str, int]]:
    """In one query: each channel found with the ids of all its members and, with
    `with_names`, every member's lower-cased username -> id (to recognise mentions)."""
    stmt = (
        select(Channel, ChannelMember.user_id)
        .join(ChannelMember, ChannelMember.channel_id == Channel.id)
        .where(Channel.id.in_(channel_ids))
    )
    named = stmt.add_columns(User.username_lower).join(User, User.id == ChannelMember.user_id)
    rows = (await session.execute(named if with_names else stmt)).all()
    found: dict[int, tuple[Channel, list[int]]] = {}
    names: dict[str, int] = {}
    for row in rows:
        found.setdefault(row[0].id, (row[0], []))[1].append(row[1])
        if with_names:
            names[row[2]] = row[1]
    return found, names


async def blocks_involving(
    session: AsyncSession, user_ids: Collection[int]
) -> set[tuple[int, int]]:
    """(blocker, blocked) for every block made by or against one of `user_ids`."""
    rows = await session.execute(
        select(Block.blocker_id, Block.blocked_id).where(
            or_(Block.blocker_id.in_(user_ids), Block.blocked_id.in_(user_ids))
        )
    )
    return {(blocker, blocked) for blocker, blocked in rows}


async def list_channels_for(
    session: AsyncSession, user_id: int, *, before: int | None, limit: int, unread_cap: int
) -> Sequence[tuple[Channel, ChannelMember, int | None, int, int]]:
    """The user's channels, newest first, each with its latest message id, its unread count
    (others' live messages after the read marker) and its unread mentions of the user, both
    counted up to `unread_cap` so the cost stays bounded however far behind the reader is."""
    last_id = (
        select(func.max(Message.id))
        .where(Message.channel_id == Channel.id)
        .correlate(Channel)
        .scalar_subquery()
    )
    unread_rows = (
        select(literal(1))
        .where(
            Message.channel_id == Channel.id,
            Message.id > func.coalesce(ChannelMember.last_read_message_id, 0),
            or_(Message.author_id.is_(None), Message.author_id != user_id),
            Message.deleted_at.is_(None),
        )
        .limit(unread_cap)
        .correlate(Channel, ChannelMember)
        .subquery()
    )
    unread = (
        select(func.count())
        .select_from(unread_rows)
        .correlate(Channel, ChannelMember)
        .scalar_subquery()
    )
    mention_rows = (
        select(literal(1))
        .select_from(MessageMention)
        .join(Message, Message.id == MessageMention.message_id)
        .where(
            MessageMention.user_id == user_id,
            MessageMention.channel_id == Channel.id,
            MessageMention.message_id > func.coalesce(ChannelMember.last_read_message_id, 0),
            Message.deleted_at.is_(None),
        )
        .limit(unread_cap)
        .correlate(Channel, ChannelMember)
        .subquery()
    )
    mentions = (
        select(func.count())
        .select_from(mention_rows)
        .correlate(Channel, ChannelMember)
        .scalar_subquery()
    )
    stmt = (
        select(Channel, ChannelMember, last_id, unread, mentions)
        .join(ChannelMember, ChannelMember.channel_id == Channel.id)
        .where(ChannelMember.user_id == user_id)
        .order_by(Channel.id.desc())
        .limit(limit)
    )
    if before is not None:
        stmt = stmt.where(Channel.id < before)
    rows = await session.execute(stmt)
    return [(row[0], row[1], row[2], int(row[3] or 0), int(row[4] or 0)) for row in rows.all()]


async def get_channel_row(
    session: AsyncSession, user_id: int, channel_id: int, *, unread_cap: int
) -> tuple[Channel, ChannelMember, int | None, int, int] | None:
    # The largest id has nothing above it: no upper bound then (channel_id + 1 would overflow).
    before = channel_id + 1 if channel_id < MAX_ID else None
    rows = await list_channels_for(session, user_id, before=before, limit=1, unread_cap=unread_cap)
    return rows[0] if rows and rows[0][0].id == channel_id else None


async def other_dm_members(
    session: AsyncSession, user_id: int, channel_ids: Sequence[int]
) -> dict[int, User]:
    if not channel_ids:
        return {}
    rows = await session.execute(
        select(ChannelMember.channel_id, User)
        .join(User, User.id == ChannelMember.user_id)
        .where(ChannelMember.channel_id.in_(channel_ids), ChannelMember.user_id != user_id)
    )
    return {int(row[0]): row[1] for row in rows.all()}


async def member_counts(session: AsyncSession, channel_ids: Sequence[int]) -> dict[int, int]:
    if not channel_ids:
        return {}
    rows = await session.execute(
        select(ChannelMember.channel_id, func.count())
        .where(ChannelMember.channel_id.in_(channel_ids))
        .group_by(ChannelMember.channel_id)
    )
    return {int(cid): int(count) for cid, count in rows.all()}


async def set_last_read(
    session: AsyncSession, channel_id: int, user_id: int, message_id: int
) -> None:
    await session.execute(
        update(ChannelMember)
        .where(ChannelMember.channel_id == channel_id, ChannelMember.user_id == user_id)
        .values(last_read_message_id=message_id)
    )


# messages


async def get_message(session: AsyncSession, channel_id: int, message_id: int) -> Message | None:
    return await session.scalar(
        select(Message).where(Message.id == message_id, Message.channel_id == channel_id)
    )


async def insert_messages(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[Message]:
    """Insert many messages with one statement (PostgreSQL; one per row on SQLite), returned
    in the order of `rows`. A Core insert: the ORM would split rows with and without a
    reply into separate statements."""
    table = Message.__table__
    assert isinstance(table, Table)
    inserted = await session.execute(
        insert(table).returning(*table.c, sort_by_parameter_order=True), list(rows)
    )
    return [Message(**row._mapping) for row in inserted]


async def message_channels(session: AsyncSession, ids: Collection[int]) -> dict[int, int]:
    """Message id -> its channel id, for the ids that exist."""
    if not ids:
        return {}
    rows = await session.execute(select(Message.id, Message.channel_id).where(Message.id.in_(ids)))
    return dict(rows.all())


async def messages_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Message]:
    if not ids:
        return {}
    rows = await session.scalars(select(Message).where(Message.id.in_(ids)))
    return {m.id: m for m in rows.all()}


# E2E key material


async def get_key(session: AsyncSession, user_id: int) -> UserKey | None:
    return await session.get(UserKey, user_id)


async def public_keys(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = await session.execute(
        select(UserKey.user_id, UserKey.public_key).where(UserKey.user_id.in_(user_ids))
    )
    return {row[0]: row[1] for row in rows.all()}


async def reserve_pin_attempt(session: AsyncSession, user_id: int, limit: int) -> int | None:
    """Count one PIN attempt before checking it, atomically: returns the new count, or None
    when the key is missing or `limit` attempts are already spent. Concurrent guesses queue
    on the row lock (PostgreSQL) or the write lock (SQLite), so they cannot exceed `limit`."""
    count: int | None = (
        await session.execute(
            update(UserKey)
            .where(UserKey.user_id == user_id, UserKey.failed_attempts < limit)
            .values(failed_attempts=UserKey.failed_attempts + 1)
            .returning(UserKey.failed_attempts)
        )
    ).scalar()
    return count


async def set_pin_state(
    session: AsyncSession, user_id: int, *, failed_attempts: int, locked_at: datetime | None
) -> None:
    await session.execute(
        update(UserKey)
        .where(UserKey.user_id == user_id)
        .values(failed_attempts=failed_attempts, locked_at=locked_at)
    )


async def lock_key(session: AsyncSession, user_id: int, now: datetime) -> None:
    await session.execute(update(UserKey).where(UserKey.user_id == user_id).values(locked_at=now))
