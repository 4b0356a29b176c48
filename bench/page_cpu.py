"""Server CPU per message history page, in process (issue #20).

    .venv/bin/python -m bench.page_cpu [--database postgres|sqlite] [--requests 300]
        [--depth 2000] [--profile newest|deep]

Builds the channel of bench/peer_synapse.py on a scratch database: an owner and 64 friends
in one group, `--depth` + 100 messages (inserted the way the message writer inserts them).
Then, through `httpx.ASGITransport` against `create_app`, `--requests` sequential
`GET /v1/channels/{id}/messages?limit=50` (the newest page, then the page `--depth` back),
the tokens cycling over the 64 members, and prints per page: the CPU the app used
(`time.process_time` around each ASGI call, all threads: SQLite's driver thread too) and the
statements it sent. Load on the machine does not change a process's CPU time much, unlike
latency. `--profile` prints the cProfile of one case instead.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, select

from bench.common import bench_database, bench_settings
from bench.messages import sign_up
from parley.app import create_app
from parley.messaging import repository
from parley.models import Message
from parley.runtime import Runtime

MEMBERS = 64


class Metered:
    """An ASGI app's CPU time and statements, summed over the calls."""

    def __init__(self, app: Any, runtime: Runtime) -> None:
        self.app = app
        self.cpu = 0.0
        self.system = 0.0  # of `cpu`, in the kernel (sockets to the database, mostly)
        self.statements = 0
        event.listen(runtime.db.engine.sync_engine, "before_cursor_execute", self._count)

    def _count(self, *_: object) -> None:
        self.statements += 1

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        started, kernel = time.process_time(), resource.getrusage(resource.RUSAGE_SELF).ru_stime
        try:
            await self.app(scope, receive, send)
        finally:
            self.cpu += time.process_time() - started
            self.system += resource.getrusage(resource.RUSAGE_SELF).ru_stime - kernel


async def seed(client: httpx.AsyncClient, runtime: Runtime, depth: int) -> tuple[int, list[str]]:
    """The group's id and its members' tokens."""
    owner_id, owner = await sign_up(client, "bench_owner")
    member_ids, tokens = [], []
    for i in range(MEMBERS):
        user_id, headers = await sign_up(client, f"bench_member{i}")
        for asker, other in ((owner, user_id), (headers, owner_id)):
            asked = await client.post("/v1/friends", json={"user_id": other}, headers=asker)
            asked.raise_for_status()
        member_ids.append(user_id)
        tokens.append(headers["Authorization"])
    body = {"name": "bench", "member_ids": member_ids}
    made = await client.post("/v1/channels", json=body, headers=owner)
    channel_id: int = made.raise_for_status().json()["id"]
    authors = [owner_id, *member_ids]
    async with runtime.db.unit_of_work() as session:
        for start in range(0, depth + 100, 500):
            rows = [
                {
                    "channel_id": channel_id,
                    "author_id": authors[n % len(authors)],
                    "content": f"benchmark message {n}",
                }
                for n in range(start, min(depth + 100, start + 500))
            ]
            await repository.insert_messages(session, rows)
    return channel_id, tokens


async def deep_cursor(runtime: Runtime, channel_id: int, depth: int) -> int:
    async with runtime.db.sessionmaker() as session:
        stmt = (
            select(Message.id)
            .where(Message.channel_id == channel_id)
            .order_by(Message.id.desc())
            .offset(depth)
            .limit(1)
        )
        found: int = (await session.execute(stmt)).scalar_one()
        return found


async def pages(
    client: httpx.AsyncClient, meter: Metered, url: str, tokens: list[str], count: int
) -> tuple[float, float, float]:
    """CPU ms (all, in the kernel) and statements per page over `count` requests."""
    for n in range(-len(tokens), count):  # first a warm-up: statement caches, sessions
        if n == 0:
            cpu, system, statements = meter.cpu, meter.system, meter.statements
        response = await client.get(url, headers={"Authorization": tokens[n % len(tokens)]})
        response.raise_for_status()
    per_page = [meter.cpu - cpu, meter.system - system, meter.statements - statements]
    return per_page[0] / count * 1000, per_page[1] / count * 1000, per_page[2] / count


async def run(args: argparse.Namespace, url: str) -> None:
    with tempfile.TemporaryDirectory() as data:
        # cheap password hashing: the accounts are only the setting
        settings = bench_settings(
            url, Path(data), redis=False, argon2_memory_kib=1024, argon2_time_cost=1
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            runtime: Runtime = app.state.runtime
            meter = Metered(app, runtime)
            transport = httpx.ASGITransport(app=meter)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                channel_id, tokens = await seed(client, runtime, args.depth)
                base = f"/v1/channels/{channel_id}/messages?limit=50"
                before = await deep_cursor(runtime, channel_id, args.depth)
                cases = {"newest": base, "deep": f"{base}&before={before}"}
                if args.profile:
                    profiler = cProfile.Profile(time.process_time)
                    profiler.enable()
                    await pages(client, meter, cases[args.profile], tokens, args.requests)
                    profiler.disable()
                    stats = pstats.Stats(profiler).strip_dirs()
                    stats.sort_stats("tottime").print_stats(30)
                    stats.sort_stats("cumulative").print_stats(60)
                    return
                print(f"{args.database}, {args.requests} requests per case, {MEMBERS} members")
                for name, path in [*cases.items(), ("liveness", "/v1/health/live")]:
                    cpu, system, statements = await pages(
                        client, meter, path, tokens, args.requests
                    )
                    print(
                        f"{name:9s} CPU {cpu:6.2f} ms/request (kernel {system:.2f}), "
                        f"{statements:.1f} statements"
                    )


def options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--depth", type=int, default=2_000)
    parser.add_argument("--profile", choices=["newest", "deep"])
    return parser.parse_args(argv)


def main(args: argparse.Namespace) -> None:
    with bench_database(args.database) as url:  # made outside the event loop
        asyncio.run(run(args, url))


if __name__ == "__main__":
    main(options())
