"""Sessions: opening one (its tokens), refreshing, listing and revoking."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from parley import events
from parley.db import emit
from parley.errors import NotFound, Unauthorized
from parley.identity.accounts import audit
from parley.identity.accounts.errors import (
    AccountDisabled,
    RefreshRaced,
    RefreshReused,
)
from parley.identity.accounts.lookup import get_live_user
from parley.identity.sessions import repository
from parley.identity.sessions.tokens import Principal, TokenSigner
from parley.kit import metrics
from parley.kit.client import ClientInfo
from parley.kit.secrets import new_token, token_hash
from parley.kit.time import utc_now
from parley.models import User, UserSession
from parley.settings import Settings


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    expires_at: float
    refresh_token: str | None
    session: UserSession
    user: User


async def start_session(
    session: AsyncSession,
    user: User,
    client: ClientInfo,
    *,
    settings: Settings,
    signer: TokenSigner,
    surface: str = "native",
    with_refresh: bool = True,
    amr: str | None = None,
) -> IssuedTokens:
    """Open a session for a user who has proven who they are, and mint its tokens. Every
    sign-in of every contract comes here: a disabled account is refused (AccountDisabled).
    `amr` says how (RFC 8176 values, space-separated: "pwd", "pwd otp mfa"); OpenID
    Connect passes it on to apps."""
    if await repository.disabled_at_shared(session, user.id) is not None:
        await audit.record(session, "login.refused_disabled", user_id=user.id, client=client)
        raise AccountDisabled()
    now = utc_now()
    refresh = new_token() if with_refresh else None
    ttl = settings.access_ttl_seconds if with_refresh else settings.long_access_ttl_seconds
    lifetime = settings.refresh_ttl_seconds if with_refresh else ttl
    record = UserSession(
        user_id=user.id,
        surface=surface,
        device_id=client.device_id,
        user_agent=client.user_agent,
        ip=client.ip,
        country=client.country,
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(seconds=lifetime),
        refresh_hash=token_hash(refresh) if refresh else None,
        amr=amr,
    )
    session.add(record)
    await session.flush()
    await audit.record(
        session,
        "login.succeeded",
        user_id=user.id,
        session_id=record.id,
        client=client,
        surface=surface,
    )
    access, expires_at = signer.issue(user.id, record.id, ttl)
    metrics.sign_in(surface)
    return IssuedTokens(access, expires_at, refresh, record, user)


async def refresh(
    session: AsyncSession,
    *,
    settings: Settings,
    signer: TokenSigner,
    refresh_token: str,
    client: ClientInfo,
) -> IssuedTokens:
    """Rotate a refresh token. A spent token revokes its whole session (the family)."""
    presented = token_hash(refresh_token)
    record = await repository.get_session_by_refresh(session, presented)
    now = utc_now()
    if record is None or record.revoked_at is not None or record.expires_at <= now:
        raise Unauthorized("Invalid refresh token")
    if record.refresh_hash != presented:
        rotated = record.refresh_rotated_at
        grace = timedelta(seconds=settings.refresh_grace_seconds)
        if rotated is not None and now - rotated <= grace:
            raise RefreshRaced()
        await revoke_sessions(
            session, record.user_id, "refresh_reused", only_id=record.id, client=client
        )
        raise RefreshReused()
    new_refresh = new_token()
    expires = now + timedelta(seconds=settings.refresh_ttl_seconds)
    if not await repository.rotate_refresh(
        session, record.id, presented, token_hash(new_refresh), now, expires
    ):
        raise RefreshRaced()
    user = await get_live_user(session, record.user_id)
    access, expires_at = signer.issue(user.id, record.id, settings.access_ttl_seconds)
    return IssuedTokens(access, expires_at, new_refresh, record, user)


async def logout(session: AsyncSession, principal: Principal) -> None:
    await revoke_sessions(session, principal.user_id, "logout", only_id=principal.session_id)


async def list_sessions(session: AsyncSession, user_id: int) -> Sequence[UserSession]:
    return await repository.list_live_sessions(session, user_id, utc_now())


async def revoke_session(session: AsyncSession, principal: Principal, session_id: int) -> None:
    """Revoke one of the caller's own sessions; anyone else's is simply not found."""
    revoked = await revoke_sessions(session, principal.user_id, "revoked", only_id=session_id)
    if not revoked:
        raise NotFound("No such session")


async def revoke_other_sessions(session: AsyncSession, principal: Principal) -> int:
    ids = await revoke_sessions(
        session, principal.user_id, "revoked", except_id=principal.session_id
    )
    return len(ids)


async def revoke_all_sessions(session: AsyncSession, user_id: int, reason: str) -> int:
    return len(await revoke_sessions(session, user_id, reason))


async def revoke_sessions(
    session: AsyncSession,
    user_id: int,
    reason: str,
    *,
    only_id: int | None = None,
    except_id: int | None = None,
    client: ClientInfo | None = None,
) -> list[int]:
    ids = await repository.revoke_sessions(
        session, user_id, utc_now(), reason, only_id=only_id, except_id=except_id
    )
    if ids:
        await audit.record(
            session,
            "session.revoked",
            user_id=user_id,
            client=client,
            reason=reason,
            session_ids=ids,
        )
        emit(session, events.SessionRevoked(user_id=user_id, session_ids=tuple(ids), reason=reason))
    return ids
