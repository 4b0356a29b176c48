"""CI helper: check that PostgreSQL and Redis answer; make or drop a scratch database."""

from __future__ import annotations

import asyncio
import sys
import uuid

import asyncpg
import redis.asyncio as aioredis
from sqlalchemy.engine import make_url


def admin_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def reachable(pg_url: str, redis_url: str) -> bool:
    try:
        conn = await asyncpg.connect(admin_dsn(pg_url), timeout=5)
        await conn.close()
        client = aioredis.Redis.from_url(redis_url, socket_connect_timeout=5)
        await client.ping()
        await client.aclose()
    except Exception as exc:
        print(f"unreachable: {exc!r}", file=sys.stderr)
        return False
    return True


async def execute(url: str, sql: str) -> None:
    conn = await asyncpg.connect(admin_dsn(url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def main(argv: list[str]) -> int:
    if argv[0] == "--fresh-database":
        name = f"parley_check_{uuid.uuid4().hex[:8]}"
        asyncio.run(execute(argv[1], f'CREATE DATABASE "{name}"'))
        print(make_url(argv[1]).set(database=name).render_as_string(hide_password=False))
        return 0
    if argv[0] == "--drop-database":
        url = make_url(argv[1])
        base = url.set(database="postgres").render_as_string(hide_password=False)
        asyncio.run(execute(base, f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        return 0
    return 0 if asyncio.run(reachable(argv[0], argv[1])) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
