"""Throw-away databases for one test run: a SQLite file, or a fresh PostgreSQL database."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from parley import migrate
from parley.kit.secrets import new_token


def pg_admin_dsn(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


async def _pg(dsn: str, sql: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def test_database(tmp: Path, *, migrated: bool = True) -> Iterator[str]:  # noqa: PT028 (not a test)
    """Yield a migrated (or an empty) database URL, dropped afterwards."""
    base = os.environ.get("PARLEY_TEST_DATABASE_URL")
    if not base:
        url = f"sqlite+aiosqlite:///{tmp / 'parley.db'}"
        if migrated:
            migrate.upgrade(url)
        yield url
        return
    name = f"parley_t_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{new_token(4).lower()}"
    name = "".join(ch if ch.isalnum() else "_" for ch in name)
    admin = pg_admin_dsn(base)
    asyncio.run(_pg(admin, f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        if migrated:
            migrate.upgrade(url)
        yield url
    finally:
        asyncio.run(_pg(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
