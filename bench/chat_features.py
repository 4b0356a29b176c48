"""Search and mention benchmark on PostgreSQL through a real `parley serve` process.

    .venv/bin/python bench/chat_features.py [--database-url postgresql+asyncpg://...]
        [--messages 1000000] [--channels 1000] [--member-of 50] [--rounds 200] [--sends 300]

Creates a scratch database (dropped afterwards), bulk-inserts `--messages` messages spread
over `--channels` group channels with SQL (five words each from a mixed English and Russian
vocabulary, so the generated tsvector is built as in production; the GIN index is dropped
for the insert and built again with its storage options, as a migration builds it), makes
the searcher a member of `--member-of` of them, starts the server and prints:
- search latency over HTTP (p50/p99) for a rare word, a common word, a two-word query, and
  a rare word in one channel;
- the latency of a send that mentions 50 members against a plain send in the same group
  (sequential sends through the message writer; p50/p99 and the ratio).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import scratch_parser, scratch_server
from bench.messages import pct, sign_up
from parley.kit.secrets import new_token
from parley.models.message_search import PG_INDEX

ENGLISH = [
    "deploy",
    "server",
    "release",
    "window",
    "backup",
    "network",
    "report",
    "budget",
    "meeting",
    "schedule",
]
RUSSIAN = [
    "сервер",
    "релиз",
    "окно",
    "резерв",
    "сеть",
    "отчёт",
    "бюджет",
    "встреча",
    "расписание",
    "задача",
]


def vocabulary(size: int) -> list[str]:
    """`size` distinct words: stems with numbered endings, half Latin, half Cyrillic."""
    words = []
    for i in range(size):
        stems = ENGLISH if i % 2 else RUSSIAN
        words.append(f"{stems[i % len(stems)]}{chr(ord('a') + (i // 20) % 26)}{i // 520}")
    return words


async def timed(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], rounds: int, **params: Any
) -> tuple[float, float, int]:
    samples = []
    hits = 0
    for _ in range(rounds):
        started = time.perf_counter()
        response = await client.get(url, params=params, headers=headers)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
        hits = len(response.json()["items"])
    return pct(samples, 50) * 1000, pct(samples, 99) * 1000, hits


async def main(args: argparse.Namespace) -> dict[str, Any]:
    async with (
        scratch_server(args.database_url, keep=args.keep) as (server, dsn),
        httpx.AsyncClient(base_url=server.url, timeout=60) as client,
    ):
        return await run(client, dsn, args)


async def run(client: httpx.AsyncClient, dsn: str, args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    me, headers = await sign_up(client, f"searcher_{new_token(3).lower()}")
    words = vocabulary(args.vocabulary)
    conn = await asyncpg.connect(dsn)
    started = time.perf_counter()
    channel_ids = [
        row["id"]
        for row in await conn.fetch(
            "INSERT INTO channel (kind, name, owner_id, encrypted, created_at) "
            "SELECT 'group', 'c' || g, $1, false, now() FROM generate_series(1, $2) AS g "
            "RETURNING id",
            me,
            args.channels,
        )
    ]
    await conn.execute(
        "INSERT INTO channel_member (channel_id, user_id, joined_at) "
        "SELECT unnest($1::bigint[]), $2, now()",
        channel_ids[: args.member_of],
        me,
    )
    n = len(words)
    # Built after the rows, as the migration builds it over existing messages: a million
    # rows one by one into a GIN index without a pending list take far longer.
    index = await conn.fetchval("SELECT pg_get_indexdef($1::regclass)", PG_INDEX)
    await conn.execute(f"DROP INDEX {PG_INDEX}")
    await conn.execute(
        "INSERT INTO message (channel_id, author_id, content, created_at, mention_everyone) "
        "SELECT ($1::bigint[])[(1 + g % $3)::int], $4, "
        "  w[(1 + (g * 7) % $5)::int] || ' ' || w[(1 + (g * 131) % $5)::int] || ' ' || "
        "  w[(1 + (g * 1031) % $5)::int] || ' ' || w[(1 + (g * 7919) % $5)::int] || ' ' || "
        "  w[(1 + g % 20)::int], now(), false "
        "FROM generate_series(1::bigint, $2::bigint) AS g, (SELECT $6::text[] AS w) AS vocabulary",
        channel_ids,
        args.messages,
        len(channel_ids),
        me,
        n,
        words,
    )
    await conn.execute(index)
    await conn.execute("ANALYZE message")
    took = time.perf_counter() - started
    print(
        f"bulk-inserted {args.messages:,} messages in {args.channels:,} channels "
        f"(searcher in {args.member_of}) in {took:.1f} s"
    )
    # the first word of message 10, in the searcher's 11th channel (the same for every
    # message with that first word when the vocabulary size is a multiple of the channels)
    rare = words[(10 * 7) % n]
    common = words[1]  # one of the 20 words of every message's fifth place
    counts = await conn.fetchrow(
        "SELECT (SELECT count(*) FROM message WHERE search_vector @@ "
        "websearch_to_tsquery('russian', $1)) AS rare, "
        "(SELECT count(*) FROM message WHERE search_vector @@ "
        "websearch_to_tsquery('russian', $2)) AS common",
        rare,
        common,
    )
    await conn.close()
    print(f"'{rare}' is in {counts['rare']:,} messages, '{common}' in {counts['common']:,}")
    print("query                         p50 ms   p99 ms   hits on the page")
    cases = [
        ("rare word, all channels", {"q": rare}),
        ("common word, all channels", {"q": common}),
        ("two words, all channels", {"q": f"{common} {words[132 % n]}"}),
        ("rare word, one channel", {"q": rare, "channel_id": channel_ids[10]}),
    ]
    figures["search"] = {}
    for label, params in cases:
        await timed(client, "/v1/messages/search", headers, 10, **params)
        p50, p99, hits = await timed(client, "/v1/messages/search", headers, args.rounds, **params)
        print(f"{label:28s} {p50:8.2f} {p99:8.2f} {hits:8d}")
        figures["search"][label] = {"p50_ms": p50, "p99_ms": p99}
    figures["mentions"] = await mention_sends(client, dsn, args)
    return figures


async def mention_sends(
    client: httpx.AsyncClient, dsn: str, args: argparse.Namespace
) -> dict[str, float]:
    owner, owner_headers = await sign_up(client, f"owner_{new_token(3).lower()}")
    members = [await sign_up(client, f"m{i}_{new_token(3).lower()}") for i in range(50)]
    conn = await asyncpg.connect(dsn)
    await conn.executemany(
        "INSERT INTO friendship (user_id, friend_id, created_at) VALUES ($1, $2, now())",
        [(a, b) for uid, _ in members for a, b in ((owner, uid), (uid, owner))],
    )
    names = [
        row["username"]
        for row in await conn.fetch(
            'SELECT username FROM "user" WHERE id = ANY($1::bigint[])', [m for m, _ in members]
        )
    ]
    await conn.close()
    group = await client.post(
        "/v1/channels",
        json={"name": "fifty", "member_ids": [uid for uid, _ in members]},
        headers=owner_headers,
    )
    assert group.status_code == 201, group.text
    url = f"/v1/channels/{group.json()['id']}/messages"
    mention_text = "standup now " + " ".join(f"@{n}" for n in names)

    async def sends(text: str) -> list[float]:
        samples = []
        for _ in range(args.sends):
            started = time.perf_counter()
            response = await client.post(url, json={"content": text}, headers=owner_headers)
            samples.append(time.perf_counter() - started)
            assert response.status_code == 201, response.text
        return samples

    await sends("warm up")
    plain, mentioning = [], []
    for _ in range(2):  # interleaved halves, so drift hits both alike
        plain += await sends("standup now, everybody")
        mentioning += await sends(mention_text)
    sent = await client.get(url, params={"limit": 1}, headers=owner_headers)
    assert len(sent.json()["items"][0]["mention_ids"]) == 50
    figures = {
        "plain_p50_ms": pct(plain, 50) * 1000,
        "plain_p99_ms": pct(plain, 99) * 1000,
        "mention_p50_ms": pct(mentioning, 50) * 1000,
        "mention_p99_ms": pct(mentioning, 99) * 1000,
    }
    print(f"send into a group of 51, {len(plain)} sequential sends each:")
    print(
        f"  plain        p50 {figures['plain_p50_ms']:.2f} ms  p99 {figures['plain_p99_ms']:.2f} ms"
    )
    print(
        f"  50 mentions  p50 {figures['mention_p50_ms']:.2f} ms  "
        f"p99 {figures['mention_p99_ms']:.2f} ms  "
        f"({figures['mention_p50_ms'] / figures['plain_p50_ms']:.2f}x at p50, "
        f"{figures['mention_p99_ms'] / figures['plain_p99_ms']:.2f}x at p99)"
    )
    return figures


def options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = scratch_parser(__doc__)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--member-of", type=int, default=50)
    parser.add_argument("--vocabulary", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--sends", type=int, default=150)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(options()))
