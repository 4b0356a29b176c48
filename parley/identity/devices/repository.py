"""SQL for known devices, one-time codes and QR tickets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley.models import KnownDevice, OneTimeCode, QrHubClaim, QrTicket


async def get_device(session: AsyncSession, user_id: int, device_id: str) -> KnownDevice | None:
    return await session.scalar(
        select(KnownDevice).where(
            KnownDevice.user_id == user_id, KnownDevice.device_id == device_id
        )
    )


async def get_device_by_id(session: AsyncSession, user_id: int, pk: int) -> KnownDevice | None:
    return await session.scalar(
        select(KnownDevice).where(KnownDevice.user_id == user_id, KnownDevice.id == pk)
    )


async def has_devices(session: AsyncSession, user_id: int) -> bool:
    found = await session.scalar(
        select(KnownDevice.id).where(KnownDevice.user_id == user_id).limit(1)
    )
    return found is not None


async def list_devices(session: AsyncSession, user_id: int) -> Sequence[KnownDevice]:
    rows = await session.scalars(
        select(KnownDevice)
        .where(KnownDevice.user_id == user_id)
        .order_by(KnownDevice.last_seen_at.desc(), KnownDevice.id.desc())
    )
    return rows.all()


async def delete_device(session: AsyncSession, user_id: int, device_id: str) -> int:
    result = await session.execute(
        delete(KnownDevice)
        .where(KnownDevice.user_id == user_id, KnownDevice.device_id == device_id)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def delete_devices_since(session: AsyncSession, user_id: int, since: datetime) -> int:
    """Forget the devices first proven at or after `since`; returns how many."""
    result = await session.execute(
        delete(KnownDevice)
        .where(KnownDevice.user_id == user_id, KnownDevice.first_seen_at >= since)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def add(session: AsyncSession, row: Any) -> None:
    session.add(row)
    await session.flush()


async def supersede_codes(session: AsyncSession, user_id: int, purpose: str, now: datetime) -> None:
    await session.execute(
        update(OneTimeCode)
        .where(
            OneTimeCode.user_id == user_id,
            OneTimeCode.purpose == purpose,
            OneTimeCode.used_at.is_(None),
            OneTimeCode.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )


async def get_code_by_handle(session: AsyncSession, handle: str) -> OneTimeCode | None:
    return await session.scalar(select(OneTimeCode).where(OneTimeCode.handle == handle))


async def get_code_by_link(session: AsyncSession, link_hash: str) -> OneTimeCode | None:
    return await session.scalar(select(OneTimeCode).where(OneTimeCode.link_hash == link_hash))


async def latest_code(
    session: AsyncSession, user_id: int, purpose: str, *, device_id: str | None = None
) -> OneTimeCode | None:
    query = select(OneTimeCode).where(
        OneTimeCode.user_id == user_id, OneTimeCode.purpose == purpose
    )
    if device_id is not None:
        query = query.where(OneTimeCode.device_id == device_id)
    return await session.scalar(query.order_by(OneTimeCode.id.desc()).limit(1))


async def count_attempt(session: AsyncSession, code_id: int, max_attempts: int) -> bool:
    """Spend one try, atomically; False when none are left or the code is spent."""
    result = await session.execute(
        update(OneTimeCode)
        .where(
            OneTimeCode.id == code_id,
            OneTimeCode.attempts < max_attempts,
            OneTimeCode.used_at.is_(None),
        )
        .values(attempts=OneTimeCode.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def consume_code(session: AsyncSession, code_id: int, now: datetime) -> bool:
    """Mark the code used; exactly one caller wins."""
    result = await session.execute(
        update(OneTimeCode)
        .where(OneTimeCode.id == code_id, OneTimeCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def get_ticket_by_hash(session: AsyncSession, ticket_hash: str) -> QrTicket | None:
    return await session.scalar(select(QrTicket).where(QrTicket.ticket_hash == ticket_hash))


async def get_ticket_by_exchange(session: AsyncSession, exchange_hash: str) -> QrTicket | None:
    return await session.scalar(select(QrTicket).where(QrTicket.exchange_hash == exchange_hash))


async def get_ticket(session: AsyncSession, ticket_id: int) -> QrTicket | None:
    return await session.get(QrTicket, ticket_id, populate_existing=True)


async def latest_ticket_for_hub(
    session: AsyncSession, hub: str, status: str, now: datetime
) -> QrTicket | None:
    return await session.scalar(
        select(QrTicket)
        .where(QrTicket.hub == hub, QrTicket.status == status, QrTicket.expires_at > now)
        .order_by(QrTicket.id.desc())
        .limit(1)
    )


async def transition_ticket(
    session: AsyncSession,
    ticket_id: int,
    from_status: str,
    now: datetime,
    *,
    extra_where: Sequence[Any] = (),
    **values: Any,
) -> bool:
    """Move a live ticket from one status to the next; one winner under concurrency."""
    result = await session.execute(
        update(QrTicket)
        .where(
            QrTicket.id == ticket_id,
            QrTicket.status == from_status,
            QrTicket.expires_at > now,
            *extra_where,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def count_ticket_attempt(
    session: AsyncSession, ticket_id: int, max_attempts: int
) -> int | None:
    """Spend one try, atomically; the tries used so far, or None when none were left."""
    used: int | None = await session.scalar(
        update(QrTicket)
        .where(QrTicket.id == ticket_id, QrTicket.attempts < max_attempts)
        .values(attempts=QrTicket.attempts + 1)
        .returning(QrTicket.attempts)
        .execution_options(synchronize_session=False)
    )
    return used


async def take_hub(
    session: AsyncSession, hub: str, owner_hash: str, now: datetime, expires_at: datetime
) -> bool:
    """Claim a hub for one owner: a new claim, or one whose previous owner's claim lapsed."""
    try:
        async with session.begin_nested():
            session.add(QrHubClaim(hub=hub, owner_hash=owner_hash, expires_at=expires_at))
    except IntegrityError:
        result = await session.execute(
            update(QrHubClaim)
            .where(QrHubClaim.hub == hub, QrHubClaim.expires_at <= now)
            .values(owner_hash=owner_hash, expires_at=expires_at)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]
    return True


async def renew_hub(session: AsyncSession, hub: str, owner_hash: str, expires_at: datetime) -> bool:
    result = await session.execute(
        update(QrHubClaim)
        .where(QrHubClaim.hub == hub, QrHubClaim.owner_hash == owner_hash)
        .values(expires_at=expires_at)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def release_hub(session: AsyncSession, hub: str, owner_hash: str) -> None:
    await session.execute(
        delete(QrHubClaim)
        .where(QrHubClaim.hub == hub, QrHubClaim.owner_hash == owner_hash)
        .execution_options(synchronize_session=False)
    )


async def hub_owner(session: AsyncSession, hub: str, now: datetime) -> str | None:
    """The live claim's owner hash, or None."""
    return await session.scalar(
        select(QrHubClaim.owner_hash).where(QrHubClaim.hub == hub, QrHubClaim.expires_at > now)
    )
