"""SQL for profiles, username search and data versions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from parley.models import DataVersion, User


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_statement(
    dialect: str, lowered: str, *, prefix: bool, after: str | None, limit: int
) -> Select[User]:
    """Users whose lowercased username equals or starts with `lowered`, in byte order."""
    query = select(User).where(User.disabled_at.is_(None))
    if not prefix:
        return query.where(User.username_lower == lowered).limit(limit)
    if dialect == "postgresql":
        # The varchar_pattern_ops index serves both the LIKE prefix and the byte-order sort
        # (`USING ~<~`), so a short prefix with many matches still stops after `limit` rows.
        query = query.where(User.username_lower.like(f"{_like_escape(lowered)}%", escape="\\"))
        if after is not None:
            query = query.where(User.username_lower.op("~>~")(after))
        return query.order_by(text('"user".username_lower USING ~<~')).limit(limit)
    # SQLite compares bytes (BINARY collation): a range over the username index
    query = query.where(
        User.username_lower >= lowered, User.username_lower < lowered + "\U0010ffff"
    )
    if after is not None:
        query = query.where(User.username_lower > after)
    return query.order_by(User.username_lower).limit(limit)


async def search_by_username(
    session: AsyncSession, lowered: str, *, prefix: bool, after: str | None, limit: int
) -> Sequence[User]:
    dialect = session.get_bind().dialect.name
    statement = search_statement(dialect, lowered, prefix=prefix, after=after, limit=limit)
    return (await session.scalars(statement)).all()


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


async def get_version(session: AsyncSession, name: str) -> int:
    value = await session.scalar(select(DataVersion.version).where(DataVersion.name == name))
    return int(value or 0)


async def bump_version(session: AsyncSession, name: str) -> int:
    value = await session.scalar(
        update(DataVersion)
        .where(DataVersion.name == name)
        .values(version=DataVersion.version + 1)
        .returning(DataVersion.version)
    )
    if value is None:
        session.add(DataVersion(name=name, version=1))
        await session.flush()
        return 1
    return int(value)
