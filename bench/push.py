"""Push queue benchmark on PostgreSQL through a real `parley serve` process.

    .venv/bin/python bench/push.py [--database-url postgresql+asyncpg://...]
        [--recipients 1000] [--rounds 20]

Creates a scratch database (dropped afterwards), a group whose owner signs up over HTTP and
`--recipients` members inserted with SQL, none of them connected, each with one device: every
other one a Web Push subscription (encrypted and VAPID-signed per push), the rest an FCM
token, all pointing at the local fake Web Push / FCM server of the tests (in this process,
on its own thread). Each round the owner sends `@everyone` (a mention of every member, so
every one is pushed) and the round ends when the last push of that message has reached the
fake server. Prints, over the rounds:
- the time from the send (the request leaving the client) to the last push arriving, and the
  time to each push (median/p99 over every push of every round);
- the send's own latency with the pushes on against the same send with pushes off for every
  member (`push_enabled` false: the notifier still hears the event and looks for targets),
  interleaved rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url
from starlette.requests import Request
from starlette.responses import Response

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.messages import pct, sign_up
from parley import migrate
from parley.kit.secrets import new_token
from parley.settings import Settings
from parley.testing import start_server
from parley.testing.fake_push import Browser, FakePush, b64

VAPID_KEY = b64(bytes(range(1, 33)))


class TimedPush(FakePush):
    """The tests' fake Web Push and FCM services, noting when each push arrived."""

    def __init__(self, tmp: Path) -> None:
        super().__init__(tmp)
        self.arrivals: list[float] = []
        self.lock = threading.Lock()

    def _arrived(self) -> None:
        with self.lock:
            self.arrivals.append(time.perf_counter())

    async def _send(self, request: Request) -> Response:
        response = await super()._send(request)
        self._arrived()
        return response

    async def _push(self, request: Request) -> Response:
        response = await super()._push(request)
        self._arrived()
        return response

    def count(self) -> int:
        with self.lock:
            return len(self.arrivals)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    base = make_url(args.database_url)
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"parley_bench_{new_token(4).lower().replace('-', '_')}"
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    url = base.set(database=name).render_as_string(hide_password=False)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    server = None
    with tempfile.TemporaryDirectory() as data_dir:
        fake = TimedPush(Path(data_dir))
        fake.start()
        try:
            await asyncio.to_thread(migrate.upgrade, url)
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                database_url=url,
                data_dir=Path(data_dir),
                rate_limits_enabled=False,
                log_level="WARNING",
                fcm_credentials_file=fake.credentials,
                fcm_url=fake.url,
                push_queue_size=max(10_000, args.recipients * 2),
                vapid_private_key=VAPID_KEY,
            )
            server = await asyncio.to_thread(start_server, settings, data_dir, workers=1)
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
                return await run(client, dsn, fake, args)
        finally:
            if server:
                server.stop()
            fake.stop()
            conn = await asyncpg.connect(admin)
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.close()


async def make_group(
    client: httpx.AsyncClient, dsn: str, fake: FakePush, recipients: int
) -> tuple[str, dict[str, str], list[int]]:
    """The owner's group of `recipients` offline members with one device each."""
    _, headers = await sign_up(client, f"owner_{new_token(3).lower()}")
    group = await client.post(
        "/v1/channels", json={"name": "all", "member_ids": []}, headers=headers
    )
    assert group.status_code == 201, group.text
    channel_id = group.json()["id"]
    conn = await asyncpg.connect(dsn)
    try:
        tag = new_token(3).lower().replace("-", "_")
        members = [
            row["id"]
            for row in await conn.fetch(
                'INSERT INTO "user" (username, username_lower, username_key, contacts, '
                "profile_version, created_at, updated_at) "
                "SELECT 'r' || g || $1, 'r' || g || $1, 'r' || g || $1, '{}', 0, now(), now() "
                "FROM generate_series(1, $2) AS g RETURNING id",
                tag,
                recipients,
            )
        ]
        await conn.execute(
            "INSERT INTO channel_member (channel_id, user_id, joined_at) "
            "SELECT $1, unnest($2::bigint[]), now()",
            channel_id,
            members,
        )
        keys = Browser()  # one key pair serves every browser: encryption still runs per push
        rows = [
            ("webpush", f"{fake.url}/push/b{uid}", keys.p256dh, b64(keys.auth))
            if i % 2 == 0
            else ("fcm", f"token-{uid}", None, None)
            for i, uid in enumerate(members)
        ]
        await conn.executemany(
            "INSERT INTO push_subscription (user_id, kind, endpoint, p256dh, auth, created_at) "
            "VALUES ($1, $2, $3, $4, $5, now())",
            [(uid, *row) for uid, row in zip(members, rows, strict=True)],
        )
    finally:
        await conn.close()
    return f"/v1/channels/{channel_id}/messages", headers, members


async def set_pushes(dsn: str, members: list[int], enabled: bool) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "INSERT INTO notification_setting (user_id, push_enabled) "
            "SELECT unnest($1::bigint[]), $2 "
            "ON CONFLICT (user_id) DO UPDATE SET push_enabled = excluded.push_enabled",
            members,
            enabled,
        )
    finally:
        await conn.close()


async def run(
    client: httpx.AsyncClient, dsn: str, fake: TimedPush, args: argparse.Namespace
) -> dict[str, Any]:
    url, headers, members = await make_group(client, dsn, fake, args.recipients)
    print(
        f"group of {args.recipients:,} offline members "
        f"({(args.recipients + 1) // 2} Web Push, {args.recipients // 2} FCM)"
    )

    async def send() -> tuple[float, float]:
        started = time.perf_counter()
        response = await client.post(url, json={"content": "@everyone standup"}, headers=headers)
        answered = time.perf_counter()
        assert response.status_code == 201, response.text
        assert response.json()["mention_everyone"], response.text
        return started, answered - started

    to_last, to_each, sends_on, sends_off = [], [], [], []
    await set_pushes(dsn, members, True)
    for round_number in range(args.rounds + 1):  # the first round warms up
        await set_pushes(dsn, members, True)
        before = fake.count()
        started, took = await send()
        deadline = time.monotonic() + 120
        while fake.count() < before + args.recipients:
            assert time.monotonic() < deadline, f"only {fake.count() - before} pushes arrived"
            await asyncio.sleep(0.005)
        arrivals = fake.arrivals[before : before + args.recipients]
        await set_pushes(dsn, members, False)
        await asyncio.sleep(0.2)
        _, took_off = await send()
        await asyncio.sleep(0.2)  # the notifier has looked and found nobody
        if round_number == 0:
            continue
        to_last.append(max(arrivals) - started)
        to_each += [a - started for a in arrivals]
        sends_on.append(took)
        sends_off.append(took_off)
    figures = {
        "to_last_p50_ms": pct(to_last, 50) * 1000,
        "to_last_p99_ms": pct(to_last, 99) * 1000,
        "to_each_p50_ms": pct(to_each, 50) * 1000,
        "to_each_p99_ms": pct(to_each, 99) * 1000,
        "send_on_p50_ms": pct(sends_on, 50) * 1000,
        "send_on_p99_ms": pct(sends_on, 99) * 1000,
        "send_off_p50_ms": pct(sends_off, 50) * 1000,
        "send_off_p99_ms": pct(sends_off, 99) * 1000,
    }
    print(f"{args.rounds} rounds of one @everyone send:")
    print(
        f"  send -> last push   p50 {figures['to_last_p50_ms']:.0f} ms  "
        f"p99 {figures['to_last_p99_ms']:.0f} ms"
    )
    print(
        f"  send -> each push   p50 {figures['to_each_p50_ms']:.0f} ms  "
        f"p99 {figures['to_each_p99_ms']:.0f} ms  ({len(to_each):,} pushes)"
    )
    print(
        f"  send, pushes on     p50 {figures['send_on_p50_ms']:.2f} ms  "
        f"p99 {figures['send_on_p99_ms']:.2f} ms"
    )
    print(
        f"  send, pushes off    p50 {figures['send_off_p50_ms']:.2f} ms  "
        f"p99 {figures['send_off_p99_ms']:.2f} ms"
    )
    return figures


def options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "PARLEY_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--recipients", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(options()))
