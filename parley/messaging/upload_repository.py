"""SQL for direct upload slots."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.models import AttachmentUpload


async def add(session: AsyncSession, upload: AttachmentUpload) -> None:
    session.add(upload)
    await session.flush()


async def get(session: AsyncSession, upload_id: int) -> AttachmentUpload | None:
    return await session.get(AttachmentUpload, upload_id)


async def count_of(session: AsyncSession, user_id: int, since: datetime) -> int:
    """The user's slots expiring after `since`."""
    found = await session.scalar(
        select(func.count())
        .select_from(AttachmentUpload)
        .where(AttachmentUpload.uploader_id == user_id, AttachmentUpload.expires_at > since)
    )
    return int(found or 0)


async def expired(session: AsyncSession, before: datetime, limit: int) -> list[AttachmentUpload]:
    rows = await session.scalars(
        select(AttachmentUpload)
        .where(AttachmentUpload.expires_at < before)
        .order_by(AttachmentUpload.expires_at)
        .limit(limit)
    )
    return list(rows.all())


async def of_channel(session: AsyncSession, channel_id: int) -> list[AttachmentUpload]:
    rows = await session.scalars(
        select(AttachmentUpload).where(AttachmentUpload.channel_id == channel_id)
    )
    return list(rows.all())


async def of_author(session: AsyncSession, user_id: int) -> list[AttachmentUpload]:
    rows = await session.scalars(
        select(AttachmentUpload).where(AttachmentUpload.uploader_id == user_id)
    )
    return list(rows.all())


async def remove(session: AsyncSession, ids: Collection[int]) -> None:
    if ids:
        await session.execute(delete(AttachmentUpload).where(AttachmentUpload.id.in_(ids)))


async def claim(session: AsyncSession, upload_id: int) -> bool:
    """Delete the slot; False when another transaction deleted it first."""
    result = await session.execute(delete(AttachmentUpload).where(AttachmentUpload.id == upload_id))
    return int(getattr(result, "rowcount", 0)) == 1
