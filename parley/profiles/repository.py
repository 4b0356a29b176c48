"""SQL for username search and data versions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

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
