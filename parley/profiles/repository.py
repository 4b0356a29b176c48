"""SQL for profiles, username search and data versions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from parley.models import DataVersion, User


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search_by_username(
    session: AsyncSession, lowered: str, *, prefix: bool, after: str | None, limit: int
) -> Sequence[User]:
    """Users whose lowercased username equals or starts with `lowered`, by username."""
    query = select(User).where(User.disabled_at.is_(None))
    if not prefix:
        query = query.where(User.username_lower == lowered)
    elif session.get_bind().dialect.name == "postgresql":
        # served by the varchar_pattern_ops index
        query = query.where(User.username_lower.like(f"{_like_escape(lowered)}%", escape="\\"))
    else:
        # SQLite compares bytes (BINARY collation): a range over the unique index
        query = query.where(
            User.username_lower >= lowered, User.username_lower < lowered + "\U0010ffff"
        )
    if after is not None:
        query = query.where(User.username_lower > after)
    rows = await session.scalars(query.order_by(User.username_lower).limit(limit))
    return rows.all()


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
