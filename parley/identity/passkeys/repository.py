"""SQL for passkeys and their challenges."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley.models import Passkey, PasskeyChallenge


async def add(session: AsyncSession, row: object) -> None:
    session.add(row)
    await session.flush()


async def list_for_user(session: AsyncSession, user_id: int) -> Sequence[Passkey]:
    return (
        await session.scalars(
            select(Passkey).where(Passkey.user_id == user_id).order_by(Passkey.id)
        )
    ).all()


async def get_by_credential_id(session: AsyncSession, credential_id: str) -> Passkey | None:
    return await session.scalar(select(Passkey).where(Passkey.credential_id == credential_id))


async def get_for_user(session: AsyncSession, user_id: int, passkey_id: int) -> Passkey | None:
    return await session.scalar(
        select(Passkey).where(Passkey.id == passkey_id, Passkey.user_id == user_id)
    )


async def delete_passkey(session: AsyncSession, user_id: int, passkey_id: int) -> bool:
    result = await session.execute(
        delete(Passkey).where(Passkey.id == passkey_id, Passkey.user_id == user_id)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def record_use(session: AsyncSession, passkey_id: int, new_count: int, now: datetime) -> bool:
    """Store the new signature counter only if it moved forward (a cloned authenticator
    lags behind); authenticators without a counter always report 0."""
    query = update(Passkey).where(Passkey.id == passkey_id)
    if new_count:
        query = query.where(Passkey.sign_count < new_count)
    result = await session.execute(
        query.values(sign_count=new_count, last_used_at=now).execution_options(
            synchronize_session=False
        )
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def get_challenge(session: AsyncSession, handle: str) -> PasskeyChallenge | None:
    return await session.scalar(select(PasskeyChallenge).where(PasskeyChallenge.handle == handle))


async def spend_challenge(session: AsyncSession, challenge_id: int, now: datetime) -> bool:
    result = await session.execute(
        update(PasskeyChallenge)
        .where(
            PasskeyChallenge.id == challenge_id,
            PasskeyChallenge.used_at.is_(None),
            PasskeyChallenge.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
