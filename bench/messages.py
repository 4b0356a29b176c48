"""Message benchmark on PostgreSQL through a real `parley serve` process.

    .venv/bin/python bench/messages.py [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]
        [--seconds 5] [--workers 2] [--redis-url redis://...] [--deep 1000000] [--levels 1,16,64]

Creates a scratch database (dropped afterwards), starts the server, and prints:
- persisted message sends per second and p50/p99 latency at 1, 16 and 64 concurrent senders
  (wrk, one connection per sender, each posting into its own direct channel; a 201 means the
  row is committed), and the server's CPU time per send;
- the newest page vs a page `--deep` messages deep in one channel (rows bulk-inserted with
  SQL), and vs a small channel's newest page, median latency over HTTP; after the deep
  channel, `--tail` rows go to another channel, so the deep channel's newest rows are not
  the table's newest (the skew of issue #20). Then the plans of the statements the server
  sends for the deep channel's newest page.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import cpu_seconds, scratch_parser, scratch_server, wrk
from parley.db import make_engine
from parley.kit.secrets import new_token
from parley.messaging import history

PASSWORD = "benchmark password"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def sign_up(client: httpx.AsyncClient, name: str) -> tuple[int, dict[str, str]]:
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    user = (await client.post("/v1/auth/register", json=body)).json()
    login = await client.post("/v1/auth/login", json={"login": name, "password": PASSWORD})
    return user["id"], {"Authorization": f"Bearer {login.json()['access_token']}"}


async def open_dm(client: httpx.AsyncClient, headers: dict[str, str], peer_id: int) -> int:
    opened = await client.post("/v1/channels/direct", json={"user_id": peer_id}, headers=headers)
    channel_id: int = opened.json()["id"]
    return channel_id


def send_script(senders: list[tuple[dict[str, str], int]], path: Path) -> str:
    """A wrk script: the n-th request posts as sender n (mod the count) into its channel."""
    table = ",".join(
        f'{{"{headers["Authorization"]}",{channel_id}}}' for headers, channel_id in senders
    )
    path.write_text(
        f"local senders = {{{table}}}\n"
        "local n = 0\n"
        "request = function()\n"
        "  n = n + 1\n"
        "  local s = senders[(n % #senders) + 1]\n"
        '  return wrk.format("POST", "/v1/channels/" .. s[2] .. "/messages",\n'
        '    {["Authorization"] = s[1], ["Content-Type"] = "application/json"},\n'
        "    '{\"content\":\"benchmark message ' .. n .. '\"}')\n"
        "end\n"
    )
    return str(path)


async def page_latency(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], rounds: int
) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = await client.get(url, headers=headers)
        assert response.status_code == 200, response.text
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


async def newest_page_plans(dsn: str, user_id: int, channel_id: int) -> list[str]:
    """EXPLAIN ANALYZE of every statement the newest page sends, as the service sends it."""
    url = make_url(dsn).set(drivername="postgresql+asyncpg")
    engine = make_engine(url.render_as_string(hide_password=False))
    sent: list[tuple[str, Any]] = []

    def record(_conn: object, _cursor: object, statement: str, parameters: Any, *_: object) -> None:
        sent.append((statement, parameters))

    lines: list[str] = []
    try:
        async with AsyncSession(engine) as session:
            event.listen(engine.sync_engine, "before_cursor_execute", record)
            try:
                await history.list_messages(session, user_id, channel_id, limit=50)
            finally:
                event.remove(engine.sync_engine, "before_cursor_execute", record)
            conn = await session.connection()
            for statement, parameters in sent:
                if not re.search(r"FROM message\b", statement):
                    continue
                plan = await conn.exec_driver_sql("EXPLAIN ANALYZE " + statement, parameters)
                lines += [" ".join(statement.split())[:100] + " ...", *plan.scalars(), ""]
    finally:
        await engine.dispose()
    return lines


async def main(args: argparse.Namespace) -> dict[str, Any]:
    """Prints the figures; returns them (per sender level, and the two page medians)."""
    servers = scratch_server(args.database_url, workers=args.workers, redis_url=args.redis_url)
    async with servers as (server, dsn):
        limits = httpx.Limits(max_connections=128, max_keepalive_connections=128)
        async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=30) as client:
            return await run(client, dsn, args, server.process.pid)


async def run(
    client: httpx.AsyncClient, dsn: str, args: argparse.Namespace, pid: int
) -> dict[str, Any]:
    levels: list[int] = args.levels
    figures: dict[str, Any] = {"levels": {}}
    partner_id, partner_headers = await sign_up(client, f"bench_{new_token(4).lower()}")
    senders: list[tuple[dict[str, str], int]] = []
    for i in range(max(levels)):
        _, headers = await sign_up(client, f"bench{i}_{new_token(3).lower()}")
        senders.append((headers, await open_dm(client, headers, partner_id)))
    print(
        f"server workers: {args.workers}; load: wrk; {args.seconds:g} s per level; "
        f"cores: {os.cpu_count()}"
    )
    print("senders  sends/s   p50 ms   p99 ms  errors  server CPU ms/send")
    base_url = str(client.base_url)
    with tempfile.TemporaryDirectory() as tmp:
        for level in levels:
            script = send_script(senders[:level], Path(tmp) / f"send{level}.lua")
            await asyncio.to_thread(wrk, base_url, connections=level, seconds=1, script=script)
            cpu_before = cpu_seconds(pid)
            result = await asyncio.to_thread(
                wrk, base_url, connections=level, seconds=args.seconds, script=script
            )
            sends = result.requests_per_second * max(1, round(args.seconds))
            cpu = (cpu_seconds(pid) - cpu_before) / max(1.0, sends) * 1000
            print(
                f"{level:7d} {result.requests_per_second:8.0f} {result.p50_ms:8.1f}"
                f" {result.p99_ms:8.1f} {result.errors:7d} {cpu:19.2f}"
            )
            figures["levels"][level] = {
                "sends_per_s": result.requests_per_second,
                "p50_ms": result.p50_ms,
                "p99_ms": result.p99_ms,
                "errors": result.errors,
                "cpu_ms_per_send": cpu,
            }

    headers, channel_id = senders[0]
    tail_id, _ = await sign_up(client, f"bench_tail_{new_token(3).lower()}")
    _, small_headers = await sign_up(client, f"bench_small_{new_token(3).lower()}")
    small_id = await open_dm(client, small_headers, partner_id)
    tail_channel_id = await open_dm(client, partner_headers, tail_id)
    conn = await asyncpg.connect(dsn)
    started = time.perf_counter()
    bulk = (
        "INSERT INTO message (channel_id, author_id, content, created_at) "
        "SELECT $1, $2, 'bulk message ' || g, now() FROM generate_series(1, $3) AS g"
    )
    await conn.execute(bulk, channel_id, partner_id, args.deep)
    await conn.execute(bulk, small_id, partner_id, 100)
    await conn.execute(bulk, tail_channel_id, partner_id, args.tail)
    await conn.execute("ANALYZE message")
    print(
        f"bulk-inserted {args.deep:,} messages, then {args.tail:,} into another channel, "
        f"in {time.perf_counter() - started:.1f} s"
    )
    ids = await conn.fetch(
        "SELECT id FROM message WHERE channel_id = $1 ORDER BY id DESC OFFSET $2 LIMIT 1",
        channel_id,
        args.deep,
    )
    deep_before = ids[0]["id"] if ids else 1
    await conn.close()
    url = f"/v1/channels/{channel_id}/messages?limit=50"
    small_url = f"/v1/channels/{small_id}/messages?limit=50"
    newest = await page_latency(client, url, headers, 20)
    newest = await page_latency(client, url, headers, args.rounds)
    deep = await page_latency(client, f"{url}&before={deep_before}", headers, args.rounds)
    small = await page_latency(client, small_url, small_headers, args.rounds)
    print(f"newest page (50 messages): median {newest * 1000:.2f} ms over {args.rounds} requests")
    print(
        f"page {args.deep:,} messages deep: median {deep * 1000:.2f} ms "
        f"({deep / newest:.2f}x the newest page)"
    )
    print(
        f"a small channel's newest page: median {small * 1000:.2f} ms "
        f"(the big channel's newest is {newest / small:.2f}x)"
    )
    print("the big channel's newest page, its statements' plans:")
    for line in await newest_page_plans(dsn, partner_id, channel_id):
        print("   ", line)
    figures.update(
        newest_ms=newest * 1000, deep_ms=deep * 1000, small_ms=small * 1000, deep=args.deep
    )
    return figures


def options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = scratch_parser(__doc__)
    parser.add_argument("--redis-url", default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--deep", type=int, default=1_000_000)
    parser.add_argument("--tail", type=int, default=300_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument(
        "--levels", type=lambda v: [int(x) for x in v.split(",")], default=[1, 16, 64]
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(options()))
