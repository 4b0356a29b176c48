"""The append-only audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from parley.identity.sessions import repository
from parley.kit.client import ClientInfo
from parley.models import AuditEvent


async def record(
    session: AsyncSession,
    kind: str,
    *,
    user_id: int | None = None,
    session_id: int | None = None,
    client: ClientInfo | None = None,
    **detail: Any,
) -> None:
    await repository.add_audit(
        session,
        AuditEvent(
            kind=kind,
            user_id=user_id,
            session_id=session_id,
            ip=client.ip if client else None,
            detail=detail,
        ),
    )
