"""SQL for attachments."""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Select, case, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley.messaging.history_repository import among, is_postgres
from parley.models import Attachment, Message


class AttachmentRow(NamedTuple):
    """An attachment as message payloads show it: a plain row, no ORM entity."""

    id: int
    message_id: int
    filename: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    thumbnail_key: str | None


_attachment = Attachment.__table__.c


async def add(session: AsyncSession, attachment: Attachment) -> None:
    session.add(attachment)
    await session.flush()


async def get(session: AsyncSession, attachment_id: int) -> Attachment | None:
    return await session.get(Attachment, attachment_id)


async def by_ids(session: AsyncSession, ids: Collection[int]) -> dict[int, Attachment]:
    if not ids:
        return {}
    rows = await session.scalars(select(Attachment).where(Attachment.id.in_(ids)))
    return {a.id: a for a in rows.all()}


async def link(session: AsyncSession, links: dict[int, int]) -> int:
    """Attach unsent uploads to messages (attachment id -> message id) in one statement;
    the number attached (fewer than asked: some were attached meanwhile)."""
    if not links:
        return 0
    result = await session.execute(
        update(Attachment)
        .where(Attachment.id.in_(links), Attachment.message_id.is_(None))
        .values(message_id=case(links, value=Attachment.id))
    )
    return int(getattr(result, "rowcount", 0))


async def of_messages(session: AsyncSession, message_ids: Collection[int]) -> list[Attachment]:
    if not message_ids:
        return []
    rows = await session.scalars(
        select(Attachment).where(Attachment.message_id.in_(message_ids)).order_by(Attachment.id)
    )
    return list(rows.all())


@cache
def _shown_statement(postgres: bool) -> Select[Any]:
    return (
        select(*(_attachment[name] for name in AttachmentRow._fields))
        .where(among(_attachment.message_id, postgres))
        .order_by(_attachment.id)
    )


async def shown_of_messages(
    session: AsyncSession, message_ids: Collection[int]
) -> list[AttachmentRow]:
    """The messages' attachments as payloads show them, in upload order."""
    if not message_ids:
        return []
    stmt = _shown_statement(is_postgres(session))
    rows = await session.execute(stmt, {"ids": list(message_ids)})
    return [AttachmentRow._make(row) for row in rows]


async def of_channel(session: AsyncSession, channel_id: int) -> list[Attachment]:
    rows = await session.scalars(select(Attachment).where(Attachment.channel_id == channel_id))
    return list(rows.all())


async def of_author(session: AsyncSession, user_id: int) -> list[Attachment]:
    """Every upload of the user, sent or not."""
    rows = await session.scalars(select(Attachment).where(Attachment.uploader_id == user_id))
    return list(rows.all())


async def remove(session: AsyncSession, ids: Collection[int]) -> None:
    if ids:
        await session.execute(delete(Attachment).where(Attachment.id.in_(ids)))


async def message_of(session: AsyncSession, attachment: Attachment) -> Message | None:
    if attachment.message_id is None:
        return None
    return await session.get(Message, attachment.message_id)
