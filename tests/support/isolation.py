"""A clean database for every test: the run's database is put back to its migrated state
after each test that used it, in one transaction (every model table emptied, children
first, then the rows the migrations seed written again).

Ids are never handed out twice: PostgreSQL's sequences go on across the reset, and the
SQLite test database's tables count with AUTOINCREMENT. So what long-lived apps and servers
keep by id (revoked sessions, presence) can never be taken for a later test's row.

Redis: the run's rate-limit keys go too (the bus and the gateway's keys belong to running
instances and name ids only).
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from typing import Any, Protocol

import asyncpg
import redis.asyncio
from sqlalchemy import Table
from sqlalchemy.engine import make_url

from parley.models import Base
from tests.support.databases import pg_admin_dsn

# children first: a parent row goes only once nothing refers to it
TABLES: list[Table] = list(reversed(Base.metadata.sorted_tables))

Seeds = list[tuple[Table, list[tuple[Any, ...]]]]


class CleanSlate(Protocol):
    async def reset(self) -> None:
        """Put the state back as it was at the start of the run."""

    async def close(self) -> None: ...


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(table: Table) -> str:
    return ", ".join(_quoted(column.name) for column in table.columns)


def _select(table: Table) -> str:
    return f"SELECT {_columns(table)} FROM {_quoted(table.name)}"


def _deletes() -> list[str]:
    return [f"DELETE FROM {_quoted(table.name)}" for table in TABLES]


def prepare(url: str) -> Seeds:
    """Before anything else connects: the migrations' seed rows (to write again after each
    test), and on SQLite ids that are never handed out twice."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database
        never_reuse_ids(parsed.database)
        db = sqlite3.connect(parsed.database)
        try:
            found = [(table, db.execute(_select(table)).fetchall()) for table in TABLES]
        finally:
            db.close()
    else:
        found = asyncio.run(_pg_rows(pg_admin_dsn(url)))
    return [(table, rows) for table, rows in found if rows]


async def _pg_rows(dsn: str) -> list[tuple[Table, list[tuple[Any, ...]]]]:
    db = await asyncpg.connect(dsn)
    try:
        return [(table, [tuple(row) for row in await db.fetch(_select(table))]) for table in TABLES]
    finally:
        await db.close()


async def open_slate(url: str, seeds: Seeds) -> CleanSlate:
    """The reset of the database at `url`, on the running loop: while it waits for a lock,
    the loop's own tasks (an app's writes still under way) can finish and let it through."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database
        return SqliteSlate(parsed.database, seeds)
    return PostgresSlate(await asyncpg.connect(pg_admin_dsn(url)), seeds)


class SqliteSlate:
    def __init__(self, path: str, seeds: Seeds) -> None:
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.execute("PRAGMA synchronous=NORMAL")  # as the app's connections (WAL)
        self._seeds = seeds
        self._seen = self._data_version()

    def _data_version(self) -> int:
        # changes whenever another connection (any process) commits to the file
        version: int = self._db.execute("PRAGMA data_version").fetchone()[0]
        return version

    async def reset(self) -> None:
        if self._data_version() != self._seen:
            await asyncio.to_thread(self._reset)

    def _reset(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _deletes():
                self._db.execute(statement)
            for table, rows in self._seeds:
                marks = ", ".join("?" for _ in table.columns)
                self._db.executemany(
                    f"INSERT INTO {_quoted(table.name)} ({_columns(table)}) VALUES ({marks})", rows
                )
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        self._seen = self._data_version()

    async def close(self) -> None:
        self._db.close()


def never_reuse_ids(path: str) -> None:
    """AUTOINCREMENT for every table keyed by one INTEGER column, as PostgreSQL's sequences:
    SQLite would otherwise number the first row after a reset 1 again. Only the key's
    declaration changes (the rows' storage is the same), so the schema text is edited."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("CREATE TABLE _sequence_maker (id INTEGER PRIMARY KEY AUTOINCREMENT)")
        db.execute("DROP TABLE _sequence_maker")  # sqlite_sequence stays
        edits = []
        for table in TABLES:
            keys = list(table.primary_key.columns)
            (sql,) = db.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table.name,)
            ).fetchone()
            declared = db.execute(f"PRAGMA table_info({_quoted(table.name)})").fetchall()
            types = {row[1]: row[2] for row in declared}
            if len(keys) != 1 or types.get(keys[0].name) != "INTEGER":
                continue
            pattern = rf"PRIMARY KEY \({re.escape(keys[0].name)}\)"
            edited, count = re.subn(pattern, f"PRIMARY KEY ({keys[0].name} AUTOINCREMENT)", sql)
            assert count == 1, f"no PRIMARY KEY ({keys[0].name}) in {sql}"
            edits.append((edited, table.name))
        (version,) = db.execute("PRAGMA schema_version").fetchone()
        db.execute("PRAGMA writable_schema = ON")
        db.executemany("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", edits)
        db.execute(f"PRAGMA schema_version = {version + 1}")
        db.execute("PRAGMA writable_schema = OFF")
    finally:
        db.close()
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        db.close()


class PostgresSlate:
    def __init__(self, db: asyncpg.Connection, seeds: Seeds) -> None:
        self._db = db
        # a test that left a transaction open would otherwise hold the reset forever
        self._script = ";\n".join(["SET LOCAL lock_timeout = '10s'", *_deletes()])
        self._seeds = seeds

    async def reset(self) -> None:
        async with self._db.transaction():
            await self._db.execute(self._script)
            for table, rows in self._seeds:
                marks = ", ".join(f"${i}" for i in range(1, len(table.columns) + 1))
                await self._db.executemany(
                    f"INSERT INTO {_quoted(table.name)} ({_columns(table)}) VALUES ({marks})", rows
                )

    async def close(self) -> None:
        await self._db.close()


class RedisKeys:
    """The run's rate-limit counters (`{prefix}:rl…`), dropped with each reset."""

    def __init__(self, url: str, prefix: str) -> None:
        self._redis = redis.asyncio.Redis.from_url(url)
        self._pattern = f"{prefix}:rl*"

    async def reset(self) -> None:
        keys = [key async for key in self._redis.scan_iter(match=self._pattern, count=1000)]
        if keys:
            await self._redis.delete(*keys)

    async def close(self) -> None:
        await self._redis.aclose()
