"""SQL the admin console needs beyond the domains' own: user search, the audit log, counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.models import AuditEvent, OidcClient, User, UserSession


def _prefix_pattern(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


async def search_users(
    session: AsyncSession, prefix: str, *, after_id: int | None, limit: int
) -> Sequence[User]:
    """Users whose username or email starts with `prefix` (case-insensitive), by id."""
    stmt = select(User).order_by(User.id).limit(limit)
    if prefix:
        pattern = _prefix_pattern(prefix.lower())
        stmt = stmt.where(
            or_(
                User.username_lower.like(pattern, escape="\\"),
                User.email.like(pattern, escape="\\"),
            )
        )
    if after_id is not None:
        stmt = stmt.where(User.id > after_id)
    return (await session.scalars(stmt)).all()


async def list_audit(
    session: AsyncSession,
    *,
    user_id: int | None,
    kind: str | None,
    before_id: int | None,
    limit: int,
) -> Sequence[AuditEvent]:
    """Newest first; `user_id` matches the account concerned or the acting administrator."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if user_id is not None:
        stmt = stmt.where(or_(AuditEvent.user_id == user_id, AuditEvent.actor_id == user_id))
    if kind is not None:
        stmt = stmt.where(AuditEvent.kind == kind)
    if before_id is not None:
        stmt = stmt.where(AuditEvent.id < before_id)
    return (await session.scalars(stmt)).all()


async def usernames(session: AsyncSession, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = await session.execute(select(User.id, User.username).where(User.id.in_(user_ids)))
    return {row[0]: row[1] for row in rows.all()}


async def count_live_sessions(session: AsyncSession, now: datetime) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(UserSession)
        .where(UserSession.revoked_at.is_(None), UserSession.expires_at > now)
    )
    return int(count or 0)


async def oidc_clients_of(session: AsyncSession, app_ids: list[int]) -> dict[int, OidcClient]:
    if not app_ids:
        return {}
    rows = await session.scalars(select(OidcClient).where(OidcClient.app_id.in_(app_ids)))
    return {client.app_id: client for client in rows.all()}
