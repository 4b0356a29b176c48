"""SQL for TOTP credentials and recovery codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley.models import Passkey, RecoveryCode, TotpCredential


async def get_totp(session: AsyncSession, user_id: int) -> TotpCredential | None:
    return await session.scalar(select(TotpCredential).where(TotpCredential.user_id == user_id))


async def totp_enabled(session: AsyncSession, user_id: int) -> bool:
    found = await session.scalar(
        select(TotpCredential.id).where(
            TotpCredential.user_id == user_id, TotpCredential.confirmed_at.is_not(None)
        )
    )
    return found is not None


async def add(session: AsyncSession, row: object) -> None:
    session.add(row)
    await session.flush()


async def delete_totp(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(TotpCredential).where(TotpCredential.user_id == user_id))


async def delete_recovery_codes(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))


async def passkey_count(session: AsyncSession, user_id: int) -> int:
    count = await session.scalar(
        select(func.count()).select_from(Passkey).where(Passkey.user_id == user_id)
    )
    return int(count or 0)


async def use_step(session: AsyncSession, credential_id: int, step: int) -> bool:
    """Record `step` as used; exactly one caller wins, and never for a step at or before
    the last one used (a TOTP code works once)."""
    result = await session.execute(
        update(TotpCredential)
        .where(TotpCredential.id == credential_id, TotpCredential.last_step < step)
        .values(last_step=step)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def replace_recovery_codes(
    session: AsyncSession, user_id: int, hashes: list[str], now: datetime
) -> None:
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    session.add_all(RecoveryCode(user_id=user_id, code_hash=h, created_at=now) for h in hashes)
    await session.flush()


async def use_recovery_code(
    session: AsyncSession, user_id: int, code_hash: str, now: datetime
) -> bool:
    result = await session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == code_hash,
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def recovery_codes_left(session: AsyncSession, user_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    )
    return int(count or 0)
