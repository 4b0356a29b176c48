"""SQL for users, sessions and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from parley.identity.accounts.validation import username_key
from parley.models import AuditEvent, User, UserSession


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def get_user_by_username(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username_key == username_key(username)))


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email.lower()))


async def get_user_by_login(session: AsyncSession, login: str) -> User | None:
    key, lowered = username_key(login), login.lower()
    return await session.scalar(
        select(User).where(or_(User.username_key == key, User.email == lowered)).limit(1)
    )


async def username_taken(session: AsyncSession, username: str, *, except_id: int = 0) -> bool:
    found = await session.scalar(
        select(User.id).where(User.username_key == username_key(username), User.id != except_id)
    )
    return found is not None


async def email_taken(session: AsyncSession, email: str, *, except_id: int = 0) -> bool:
    found = await session.scalar(
        select(User.id).where(User.email == email.lower(), User.id != except_id)
    )
    return found is not None


async def lock_user(session: AsyncSession, user_id: int) -> None:
    """Lock the user's row until the transaction ends.

    PostgreSQL: `FOR NO KEY UPDATE`, the lock an UPDATE of the row takes anyway: it queues
    other writers of the row, not inserts that merely reference the user (messages, sessions).
    SQLite has no row locks, and its transactions begin at their first write: a no-op write
    takes the database's one write lock now, so what the transaction reads next is current.
    """
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(
            update(User)
            .where(User.id == user_id)
            .values(updated_at=User.updated_at)  # unchanged (no `onupdate`)
            .execution_options(synchronize_session=False)
        )
        return
    await session.execute(select(User.id).where(User.id == user_id).with_for_update(key_share=True))


async def bump_profile_version(session: AsyncSession, user_id: int) -> int:
    value = await session.scalar(
        update(User)
        .where(User.id == user_id)
        .values(profile_version=User.profile_version + 1)
        .returning(User.profile_version)
        .execution_options(synchronize_session=False)
    )
    version = int(value or 0)
    loaded = session.identity_map.get(session.identity_key(User, user_id))
    if isinstance(loaded, User):
        set_committed_value(loaded, "profile_version", version)
    return version


async def list_users(session: AsyncSession, *, after_id: int, limit: int) -> Sequence[User]:
    rows = await session.scalars(
        select(User).where(User.id > after_id).order_by(User.id).limit(limit)
    )
    return rows.all()


async def session_is_live(
    session: AsyncSession, session_id: int, user_id: int, now: datetime
) -> bool:
    found = await session.scalar(
        select(UserSession.id).where(
            UserSession.id == session_id,
            UserSession.user_id == user_id,
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > now,
        )
    )
    return found is not None


async def live_session_owner(session: AsyncSession, session_id: int, now: datetime) -> int | None:
    """The user a live session belongs to; None when it ended or never existed."""
    owner: int | None = await session.scalar(
        select(UserSession.user_id).where(
            UserSession.id == session_id,
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > now,
        )
    )
    return owner


async def get_session(session: AsyncSession, session_id: int) -> UserSession | None:
    return await session.get(UserSession, session_id)


async def get_session_by_refresh(session: AsyncSession, token_hash: str) -> UserSession | None:
    return await session.scalar(
        select(UserSession).where(
            or_(
                UserSession.refresh_hash == token_hash,
                UserSession.previous_refresh_hash == token_hash,
            )
        )
    )


async def rotate_refresh(
    session: AsyncSession,
    session_id: int,
    old_hash: str,
    new_hash: str,
    now: datetime,
    expires_at: datetime,
) -> bool:
    """Swap the refresh hash only if it is still `old_hash`: one winner under concurrency."""
    result = await session.execute(
        update(UserSession)
        .where(
            UserSession.id == session_id,
            UserSession.refresh_hash == old_hash,
            UserSession.revoked_at.is_(None),
        )
        .values(
            refresh_hash=new_hash,
            previous_refresh_hash=old_hash,
            refresh_rotated_at=now,
            refresh_counter=UserSession.refresh_counter + 1,
            last_used_at=now,
            expires_at=expires_at,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def list_live_sessions(
    session: AsyncSession, user_id: int, now: datetime
) -> Sequence[UserSession]:
    rows = await session.scalars(
        select(UserSession)
        .where(
            UserSession.user_id == user_id,
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > now,
        )
        .order_by(UserSession.last_used_at.desc(), UserSession.id.desc())
    )
    return rows.all()


async def revoke_sessions(
    session: AsyncSession,
    user_id: int,
    now: datetime,
    reason: str,
    *,
    only_id: int | None = None,
    except_id: int | None = None,
) -> list[int]:
    """Revoke live sessions of a user; returns the ids that were revoked."""
    conditions: list[Any] = [UserSession.user_id == user_id, UserSession.revoked_at.is_(None)]
    if only_id is not None:
        conditions.append(UserSession.id == only_id)
    if except_id is not None:
        conditions.append(UserSession.id != except_id)
    ids = list((await session.scalars(select(UserSession.id).where(*conditions))).all())
    if ids:
        await session.execute(
            update(UserSession)
            .where(UserSession.id.in_(ids), UserSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
            .execution_options(synchronize_session=False)
        )
    return ids


async def add_audit(session: AsyncSession, event: AuditEvent) -> None:
    session.add(event)


async def list_audit(session: AsyncSession, user_id: int, limit: int) -> Sequence[AuditEvent]:
    rows = await session.scalars(
        select(AuditEvent)
        .where(AuditEvent.user_id == user_id)
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return rows.all()


async def disabled_at_shared(session: AsyncSession, user_id: int) -> datetime | None:
    """The user's disabled_at, share-locking the row on PostgreSQL until the transaction
    ends: a sign-in and a concurrent disable of the account happen one after the other."""
    stmt = select(User.disabled_at).where(User.id == user_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(read=True)
    found: datetime | None = await session.scalar(stmt)
    return found
