"""Prefix username search over 100k users: latency figures and (PostgreSQL) the query plan.

    .venv/bin/python bench/search_users.py                       # SQLite in a temp dir
    .venv/bin/python bench/search_users.py postgresql+asyncpg://postgres@127.0.0.1:5432/bench

The PostgreSQL database is created (dropped first) by the script. Searches go through
`profiles.service.search_users`, the function the API calls.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from parley import migrate
from parley.db import make_engine
from parley.models import User
from parley.profiles import service
from parley.profiles.repository import search_statement

USERS = 100_000
QUERIES = 2_000
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789_"


def usernames(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    names: set[str] = set()
    while len(names) < count:
        length = rng.randint(4, 16)
        names.add("".join(rng.choice(ALPHABET) for _ in range(length)))
    return sorted(names)


async def prepare_postgres(url: str) -> None:
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await conn.close()


async def run(url: str, users: int = USERS, queries: int = QUERIES) -> dict[str, float]:
    """Prints the figures and the plan; returns the figures."""
    postgres = url.startswith("postgresql")
    if postgres:
        await prepare_postgres(url)
    await asyncio.to_thread(migrate.upgrade, url)
    engine = make_engine(url)
    names = usernames(users)
    started = time.perf_counter()
    async with engine.begin() as conn:
        for start in range(0, users, 5_000):
            await conn.execute(
                insert(User),
                [
                    {"username": n, "username_lower": n.lower(), "contacts": {}}
                    for n in names[start : start + 5_000]
                ],
            )
        if postgres:
            await conn.execute(text('ANALYZE "user"'))
        else:
            await conn.execute(text("ANALYZE"))
    inserted = time.perf_counter() - started
    print(f"database: {make_url(url).get_backend_name()}, users: {users}")
    print(f"insert: {inserted:.1f} s")

    from sqlalchemy.ext.asyncio import async_sessionmaker

    sessions = async_sessionmaker(engine, expire_on_commit=False)
    rng = random.Random(11)
    prefixes = [rng.choice(names)[: rng.randint(1, 4)] for _ in range(queries)]
    timings: list[float] = []
    found = 0
    async with sessions() as session:
        for prefix in prefixes[:50]:  # warm-up
            await service.search_users(session, prefix, limit=20)
        for prefix in prefixes:
            began = time.perf_counter()
            page = await service.search_users(session, prefix, limit=20)
            timings.append((time.perf_counter() - began) * 1000)
            found += len(page.users)
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[int(len(timings) * 0.95) - 1]
    p99 = timings[int(len(timings) * 0.99) - 1]
    print(f"prefix searches: {queries}, page size 20, mean hits {found / queries:.1f}")
    print(f"latency ms: p50 {p50:.2f}  p95 {p95:.2f}  p99 {p99:.2f}  max {timings[-1]:.2f}")
    print(f"p99 under 20 ms: {'yes' if p99 < 20 else 'NO'}")

    probe = names[len(names) // 2][:1]  # a short prefix: thousands of matches
    statement = search_statement(
        engine.dialect.name, probe, prefix=True, after=None, limit=21
    ).with_only_columns(User.id)
    compiled = statement.compile(engine, compile_kwargs={"literal_binds": True})
    explain = "EXPLAIN ANALYZE" if postgres else "EXPLAIN QUERY PLAN"
    async with engine.connect() as conn:
        rows = await conn.execute(text(f"{explain} {compiled}"))
        print(f"plan for prefix {probe!r}:")
        for row in rows:
            print("  " + " | ".join(str(col) for col in row))
    await engine.dispose()
    return {"users": users, "queries": queries, "p50": p50, "p95": p95, "p99": p99}


def main() -> None:
    if len(sys.argv) > 1:
        asyncio.run(run(sys.argv[1]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"))


if __name__ == "__main__":
    main()
