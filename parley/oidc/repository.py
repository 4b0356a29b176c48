"""SQL for OpenID Connect clients, authorization codes, tokens and consents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley.models import (
    App,
    OidcAuthorizationCode,
    OidcClient,
    OidcConsent,
    OidcToken,
    User,
    UserSession,
)


async def add(session: AsyncSession, row: object) -> None:
    session.add(row)
    await session.flush()


async def get_client(session: AsyncSession, client_id: str) -> tuple[OidcClient, App] | None:
    row = (
        await session.execute(
            select(OidcClient, App)
            .join(App, App.id == OidcClient.app_id)
            .where(OidcClient.client_id == client_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def get_client_by_pk(session: AsyncSession, pk: int) -> tuple[OidcClient, App] | None:
    row = (
        await session.execute(
            select(OidcClient, App)
            .join(App, App.id == OidcClient.app_id)
            .where(OidcClient.id == pk)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def get_client_of_app(session: AsyncSession, app_id: int) -> OidcClient | None:
    return await session.scalar(select(OidcClient).where(OidcClient.app_id == app_id))


async def get_code(session: AsyncSession, code_hash: str) -> OidcAuthorizationCode | None:
    return await session.scalar(
        select(OidcAuthorizationCode).where(OidcAuthorizationCode.code_hash == code_hash)
    )


async def nonce_used(session: AsyncSession, client_pk: int, nonce: str) -> bool:
    found = await session.scalar(
        select(OidcAuthorizationCode.id)
        .where(OidcAuthorizationCode.client_pk == client_pk, OidcAuthorizationCode.nonce == nonce)
        .limit(1)
    )
    return found is not None


async def spend_code(session: AsyncSession, code_id: int, now: datetime) -> bool:
    """Mark the code used; exactly one caller wins."""
    result = await session.execute(
        update(OidcAuthorizationCode)
        .where(OidcAuthorizationCode.id == code_id, OidcAuthorizationCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def get_token_with_client(
    session: AsyncSession, digest: str, *, refresh: bool
) -> tuple[OidcToken, OidcClient, App] | None:
    """A token by the hash of its access (or refresh) value, with its client and app."""
    column = OidcToken.refresh_hash if refresh else OidcToken.access_hash
    row = (
        await session.execute(
            select(OidcToken, OidcClient, App)
            .join(OidcClient, OidcClient.id == OidcToken.client_pk)
            .join(App, App.id == OidcClient.app_id)
            .where(column == digest)
        )
    ).first()
    return (row[0], row[1], row[2]) if row else None


async def spend_token(session: AsyncSession, token_id: int, now: datetime) -> bool:
    """Revoke one live token row; exactly one caller wins (refresh rotation)."""
    result = await session.execute(
        update(OidcToken)
        .where(OidcToken.id == token_id, OidcToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def revoke_family(session: AsyncSession, code_id: int, now: datetime) -> None:
    """Revoke every token issued from one authorization code (and its refreshes)."""
    await session.execute(
        update(OidcToken)
        .where(OidcToken.code_id == code_id, OidcToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


async def session_is_live(session: AsyncSession, session_id: int, now: datetime) -> bool:
    found = await session.scalar(
        select(UserSession.id).where(
            UserSession.id == session_id,
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > now,
        )
    )
    return found is not None


async def get_live_session(
    session: AsyncSession, session_id: int, user_id: int, now: datetime
) -> tuple[UserSession, User] | None:
    """The session and its user, if the session stands and the account is not disabled."""
    row = (
        await session.execute(
            select(UserSession, User)
            .join(User, User.id == UserSession.user_id)
            .where(
                UserSession.id == session_id,
                UserSession.user_id == user_id,
                UserSession.revoked_at.is_(None),
                UserSession.expires_at > now,
                User.disabled_at.is_(None),
            )
        )
    ).first()
    return (row[0], row[1]) if row else None


async def get_consent(session: AsyncSession, user_id: int, client_pk: int) -> OidcConsent | None:
    return await session.scalar(
        select(OidcConsent).where(
            OidcConsent.user_id == user_id, OidcConsent.client_pk == client_pk
        )
    )
