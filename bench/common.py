"""Shared pieces of the benchmark scripts: servers, databases, wrk, percentiles."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from parley import migrate
from parley.kit.secrets import new_token
from parley.settings import Settings
from parley.testing import ServerProcess, start_server

PG_URL = os.environ.get(
    "PARLEY_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("PARLEY_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


@dataclass(frozen=True)
class Row:
    """One line of the combined table (bench/run.py)."""

    benchmark: str
    database: str
    case: str
    metric: str
    value: str


@dataclass
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return ordered[index]


def _latency_ms(out: str, pct: int) -> float:
    found = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
    if not found:
        raise RuntimeError(f"no {pct}% latency in wrk output:\n{out}")
    return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]


def wrk(
    url: str,
    *,
    connections: int = 64,
    seconds: float = 10,
    headers: dict[str, str] | None = None,
    script: str | None = None,
) -> WrkResult:
    """Run wrk (two threads, fewer with fewer connections); `script` is a Lua file."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    threads = min(2, connections)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50, p99 = _latency_ms(out, 50), _latency_ms(out, 99)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return WrkResult(rps, p50, p99, int(errors.group(1)) if errors else 0)


async def _pg(url: str, sql: str) -> None:
    dsn = make_url(url).set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(dsn.render_as_string(hide_password=False))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def bench_database(kind: str) -> Iterator[str]:
    """A fresh migrated database: `sqlite` (temp file) or `postgres` (dropped afterwards)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            migrate.upgrade(url)
            yield url
        return
    name = f"parley_bench_{os.getpid()}"
    asyncio.run(_pg(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_pg(PG_URL, f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        asyncio.run(_pg(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def bench_settings(
    database_url: str, data_dir: Path, *, redis: bool = True, **extra: object
) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        redis_url=REDIS_URL if redis else None,
        redis_prefix=f"parley-bench-{os.getpid()}",
        data_dir=data_dir,
        rate_limits_enabled=False,
        log_level="WARNING",
        **extra,
    )


@contextmanager
def parley_server(
    settings: Settings, log_dir: str, workers: int = 1, port: int | None = None
) -> Iterator[ServerProcess]:
    server = start_server(settings, log_dir, workers=workers, port=port)
    try:
        yield server
    finally:
        server.stop()


def scratch_parser(doc: str) -> argparse.ArgumentParser:
    """The options of a script that runs on a scratch database: `--database-url` names the
    PostgreSQL server (and the database to connect to while making it)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "PARLEY_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    return parser


@asynccontextmanager
async def scratch_server(
    database_url: str, *, workers: int = 1, keep: bool = False, **extra: object
) -> AsyncIterator[tuple[ServerProcess, str]]:
    """A `parley serve` on a fresh migrated PostgreSQL database made next to `database_url`
    (dropped afterwards unless `keep`): the server and the database's asyncpg DSN. `extra`
    goes to the server's Settings."""
    base = make_url(database_url)
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"parley_bench_{new_token(4).lower().replace('-', '_')}"
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    url = base.set(database=name).render_as_string(hide_password=False)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    server = None
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        with tempfile.TemporaryDirectory() as data_dir:
            settings = Settings(  # type: ignore[call-arg]
                _env_file=None,
                database_url=url,
                data_dir=Path(data_dir),
                rate_limits_enabled=False,
                log_level="WARNING",
                **extra,
            )
            server = await asyncio.to_thread(start_server, settings, data_dir, workers=workers)
            yield server, dsn
    finally:
        if server:
            server.stop()
        if keep:
            print(f"kept database {name}")
        else:
            conn = await asyncpg.connect(admin)
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.close()
