"""The audit record every admin action writes: what (`admin.<action>`), who (the actor),
which account it concerns (`user_id`) and the rest of the target in `detail`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from parley.admin.deps import Actor
from parley.identity.accounts import reauth
from parley.identity.accounts.passwords import Passwords
from parley.identity.sessions import repository as identity_repository
from parley.infra.ratelimit import RateLimiter
from parley.models import AuditEvent
from parley.settings import Settings


async def record(
    session: AsyncSession, actor: Actor, action: str, *, user_id: int | None = None, **detail: Any
) -> None:
    actor_detail: dict[str, Any] = {"actor": actor.name}
    if actor.app is not None:
        actor_detail["actor_app_id"] = actor.app.id
    await identity_repository.add_audit(
        session,
        AuditEvent(
            kind=f"admin.{action}",
            user_id=user_id,
            actor_id=actor.user.id if actor.user is not None else None,
            session_id=actor.principal.session_id if actor.principal is not None else None,
            ip=actor.client.ip,
            detail={**actor_detail, **detail},
        ),
    )


async def confirm(
    session: AsyncSession,
    actor: Actor,
    current_password: str | None,
    *,
    settings: Settings,
    limiter: RateLimiter,
    passwords: Passwords,
) -> None:
    """Re-authentication before a destructive action (a super app has no person to ask)."""
    if actor.user is not None and actor.principal is not None:
        await reauth.confirm_identity(
            session,
            actor.principal,
            actor.user,
            current_password,
            settings=settings,
            limiter=limiter,
            passwords=passwords,
        )
