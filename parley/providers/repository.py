"""SQL for external identities and Telegram login codes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.models import ExternalIdentity, TelegramLoginCode


async def get_identity(
    session: AsyncSession, provider: str, external_id: str
) -> ExternalIdentity | None:
    return await session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.provider == provider, ExternalIdentity.external_id == external_id
        )
    )


async def get_identity_for_user(
    session: AsyncSession, user_id: int, provider: str
) -> ExternalIdentity | None:
    return await session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.user_id == user_id, ExternalIdentity.provider == provider
        )
    )


async def list_for_user(session: AsyncSession, user_id: int) -> Sequence[ExternalIdentity]:
    rows = await session.scalars(
        select(ExternalIdentity)
        .where(ExternalIdentity.user_id == user_id)
        .order_by(ExternalIdentity.id)
    )
    return rows.all()


async def count_for_user(session: AsyncSession, user_id: int) -> int:
    found = await session.scalar(
        select(func.count())
        .select_from(ExternalIdentity)
        .where(ExternalIdentity.user_id == user_id)
    )
    return int(found or 0)


async def delete_identity(session: AsyncSession, identity_id: int) -> bool:
    result = await session.execute(
        delete(ExternalIdentity)
        .where(ExternalIdentity.id == identity_id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def get_code(session: AsyncSession, code_hash: str) -> TelegramLoginCode | None:
    return await session.scalar(
        select(TelegramLoginCode).where(TelegramLoginCode.code_hash == code_hash)
    )


async def delete_code(session: AsyncSession, code_id: int) -> bool:
    """Delete one code; True only for the caller that actually removed it."""
    result = await session.execute(
        delete(TelegramLoginCode)
        .where(TelegramLoginCode.id == code_id)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def delete_expired_codes(session: AsyncSession, now: datetime) -> None:
    await session.execute(
        delete(TelegramLoginCode)
        .where(TelegramLoginCode.expires_at <= now)
        .execution_options(synchronize_session=False)
    )
