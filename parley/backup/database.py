"""The database part of a backup: SQLite through its online backup API, PostgreSQL through
`pg_dump --format=custom` and `pg_restore`."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from parley.db import make_engine
from parley.errors import ParleyError
from parley.kit.files import PRIVATE_FILE, private_file
from parley.kit.progress import Advance

_COUNT_TABLES = {
    "sqlite": "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
    "postgresql": "SELECT count(*) FROM information_schema.tables "
    "WHERE table_schema = current_schema()",
}
_SQLITE_PAGES_PER_STEP = 1024


class BackupError(ParleyError):
    code = "backup_failed"


@dataclass(frozen=True)
class DatabaseState:
    kind: str  # "sqlite" | "postgresql"
    revision: str | None  # alembic's; None without a schema
    tables: int
    server_major: int | None  # PostgreSQL's major version


def kind_of(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in _COUNT_TABLES:
        raise BackupError(f"cannot back up a {backend} database: only SQLite and PostgreSQL")
    return backend


def sqlite_path(url: str) -> Path:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise BackupError("the SQLite database is in memory: there is nothing to back up")
    return Path(path)


def inspect(url: str) -> DatabaseState:
    """The schema revision, the number of tables and the server's version."""
    kind = kind_of(url)
    if kind == "sqlite" and not sqlite_path(url).exists():
        return DatabaseState(kind, None, 0, None)
    return asyncio.run(_inspect(url, kind))


async def _inspect(url: str, kind: str) -> DatabaseState:
    engine = make_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            revision = await connection.run_sync(_revision_of)
            tables = (await connection.execute(text(_COUNT_TABLES[kind]))).scalar_one()
            major = None
            if kind == "postgresql":
                number = (await connection.execute(text("SHOW server_version_num"))).scalar_one()
                major = int(number) // 10000
            return DatabaseState(kind, revision, int(tables), major)
    finally:
        await engine.dispose()


def _revision_of(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def dump_sqlite(url: str, target: Path, progress: Advance) -> None:
    """Copy the database page by page with SQLite's online backup: a consistent copy while
    instances keep writing."""
    source_path = sqlite_path(url)
    if not source_path.exists():
        raise BackupError(f"no SQLite database at {source_path}")
    private_file(target)
    source = sqlite3.connect(source_path, timeout=30)
    destination = sqlite3.connect(target)
    try:
        source.backup(
            destination,
            pages=_SQLITE_PAGES_PER_STEP,
            progress=lambda _status, remaining, total: progress(total - remaining, total),
        )
    finally:
        destination.close()
        source.close()


def restore_sqlite(url: str, dump: Path) -> None:
    """Put the backed-up file in place of the database (and drop a stale write-ahead log,
    which SQLite would otherwise replay over it)."""
    path = sqlite_path(url)
    private_file(path)
    staged = path.with_name(f".{path.name}.restoring")
    shutil.copyfile(dump, staged)
    os.chmod(staged, PRIVATE_FILE)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    staged.replace(path)


def dump_postgres(url: str, state: DatabaseState, target: Path) -> None:
    pg_dump = _client_tool("pg_dump", state)
    env, conninfo = _libpq(url)
    _run([pg_dump, "--format=custom", f"--file={target}", f"--dbname={conninfo}"], env)
    os.chmod(target, PRIVATE_FILE)


def restore_postgres(url: str, state: DatabaseState, dump: Path) -> None:
    """pg_restore in one transaction; the objects belong to the user Parley connects as."""
    pg_restore = _client_tool("pg_restore", state)
    env, conninfo = _libpq(url)
    options = ["--clean", "--if-exists", "--no-owner", "--single-transaction"]
    _run([pg_restore, *options, f"--dbname={conninfo}", str(dump)], env)


def _client_tool(name: str, state: DatabaseState) -> str:
    """The PostgreSQL client program on PATH, refused when it is older than the server."""
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not on PATH: install the PostgreSQL client programs "
            f"(Debian: postgresql-client) of version {state.server_major} or newer"
        )
    shown = subprocess.run(  # noqa: S603 (a PostgreSQL program from PATH, fixed arguments)
        [found, "--version"], capture_output=True, text=True, check=False, timeout=30
    ).stdout
    match = re.search(r"\)\s*(\d+)", shown)
    if match is None:
        raise BackupError(f"cannot tell the version of {found}: {shown.strip()!r}")
    major = int(match.group(1))
    if state.server_major is not None and major < state.server_major:
        raise BackupError(
            f"{found} is version {major}, older than the server ({state.server_major}): "
            f"install the PostgreSQL {state.server_major} client programs"
        )
    return found


def _libpq(url: str) -> tuple[dict[str, str], str]:
    """The environment (password included, so it never shows in a process list) and the
    connection string without the password."""
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    ssl = parsed.query.get("ssl") or parsed.query.get("sslmode")
    if isinstance(ssl, str):
        env["PGSSLMODE"] = ssl
    bare = parsed.set(drivername="postgresql", password=None, query={})
    return env, bare.render_as_string(hide_password=False)


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603 (a PostgreSQL program from PATH, our arguments)
        command, capture_output=True, text=True, env=env, check=False
    )
    if result.returncode:
        name = Path(command[0]).name
        raise BackupError(f"{name} failed ({result.returncode}): {result.stderr.strip()}")
