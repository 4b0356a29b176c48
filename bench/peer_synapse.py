"""Parley next to Synapse on the same workloads, interleaved (issue #20).

    .venv/bin/python -m bench.peer_synapse [--depth 20000] [--seconds 5] [--runs 3] [--json]
    .venv/bin/python -m bench.run --peer synapse [the same options]

Installs matrix-synapse[postgres] into `.bench/synapse-venv` once (bench/synapse.py), starts
a private PostgreSQL cluster, and on it one `parley serve` worker (no Redis) and one Synapse
process, each on its own database. On each side: `--users` members in one room (Synapse: a
public room they join; Parley: a group of the owner's friends), `--depth` + 100 messages sent
into it through the API (wrk, 16 connections). Then per workload, after a 1 s warm-up of each
side, `--runs` wrk runs of `--seconds` alternate Parley, Synapse, Parley, Synapse, ...:

- newest page: the room's 50 newest messages, 16 clients;
- deep page: 50 messages `--depth` back (Parley `before=`, Synapse `from=` the /context token
  of that message), 16 clients;
- token check: Parley `GET /v1/auth/validate`, Synapse `GET /account/whoami`, 64 clients;
- liveness: Parley `GET /v1/health/live`, Synapse `GET /health`, 64 clients;
- send: 64 senders posting into the room (Synapse: PUT with a unique transaction id each).

Requests cycle through the members' tokens. After every wrk run the bench waits until that
server is idle again (the requests left in flight must not run into the next measurement).
Prints medians of the runs (req/s, p99, server CPU per request from /proc) and the ratio
Parley / Synapse, or JSON with `--json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx

from bench import synapse
from bench.common import cpu_seconds, private_cluster, scratch_server, wrk
from bench.messages import sign_up
from parley.kit.secrets import new_token

SEED_CONNECTIONS = 16
# (key, label, connections); sends come last so the reads see the same rooms on both sides.
WORKLOADS = [
    ("newest", "newest page (50)", 16),
    ("deep", "deep page (50)", 16),
    ("token", "token check", 64),
    ("health", "liveness", 64),
    ("send", "send", 64),
]


@dataclass
class Side:
    """One server under test: how to ask it for each workload."""

    name: str
    url: str
    pid: int
    tokens: list[str]
    paths: dict[str, str]  # GET paths per workload key
    send: tuple[str, str, str]  # method, path, JSON body; "{txn}" marks a unique id
    runs: dict[str, list[dict[str, float]]] = field(default_factory=dict)


def lua(side: Side, key: str, limit: int = 0) -> str:
    """A wrk script for one workload: the n-th request of a thread carries token n (mod the
    count) and, for sends, a transaction id unique to this script, thread and n. With `limit`
    (one thread) the process exits after that many responses, status 3 if any was not 2xx."""
    method, path, body = side.send if key == "send" else ("GET", side.paths[key], "")
    tokens = ",".join(json.dumps(f"Bearer {token}") for token in side.tokens if key != "health")
    run = new_token(4).lower()

    def expression(template: str) -> str:
        head, marked, tail = template.partition("{txn}")
        if not marked:
            return json.dumps(head)
        return f'{json.dumps(head)} .. "{run}-" .. tid .. "-" .. n .. {json.dumps(tail)}'

    script = (
        f"local tokens = {{{tokens}}}\n"
        "local threads = 0\n"
        'setup = function(thread) threads = threads + 1; thread:set("tid", threads) end\n'
        "local n = 0\n"
        "request = function()\n"
        "  n = n + 1\n"
        '  local headers = {["Content-Type"] = "application/json"}\n'
        '  if #tokens > 0 then headers["Authorization"] = tokens[(n % #tokens) + 1] end\n'
        f"  return wrk.format({json.dumps(method)}, {expression(path)}, headers,\n"
        f"    {expression(body) if body else 'nil'})\n"
        "end\n"
    )
    if limit:
        script += (
            "local done, bad = 0, 0\n"
            "response = function(status)\n"
            "  done = done + 1\n"
            "  if status > 299 then bad = bad + 1 end\n"
            f"  if done >= {limit} then\n"
            '    if bad > 0 then io.stderr:write(bad .. " responses not 2xx\\n") end\n'
            "    os.exit(bad == 0 and 0 or 3)\n"
            "  end\n"
            "end\n"
        )
    return script


def script_file(tmp: Path, side: Side, key: str, limit: int = 0) -> str:
    path = tmp / f"{side.name}-{key}-{new_token(3).lower()}.lua"
    path.write_text(lua(side, key, limit))
    return str(path)


async def seed(side: Side, count: int, tmp: Path) -> None:
    """`count` sends into the room, stopping at the last response (bounded at 30 minutes)."""
    script = script_file(tmp, side, "send", limit=count)
    started = time.monotonic()
    cmd = ["wrk", "-t1", f"-c{SEED_CONNECTIONS}", "-d1800s", "--timeout=30s", "-s", script]
    process = await asyncio.create_subprocess_exec(
        *cmd, side.url, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await process.communicate()
    finally:
        if process.returncode is None:  # interrupted
            process.kill()
    if process.returncode != 0:
        raise RuntimeError(f"seeding {side.name} failed: {err.decode()}{out.decode()}")
    took = time.monotonic() - started
    await asyncio.to_thread(settle, side.pid)
    print(f"  {side.name}: {count:,} sends in {took:.0f} s", file=sys.stderr, flush=True)


def settle(pid: int, timeout: float = 120) -> None:
    """Wait until the server uses under 5 % of a core over half a second: the requests a
    finished wrk run left in flight must not run into the next measurement."""
    deadline = time.monotonic() + timeout
    last = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = cpu_seconds(pid)
        if now - last < 0.025:
            return
        last = now


def measure(side: Side, key: str, connections: int, seconds: float, tmp: Path) -> None:
    script = script_file(tmp, side, key)
    before = cpu_seconds(side.pid)
    result = wrk(side.url, connections=connections, seconds=seconds, script=script, timeout=30)
    cpu = cpu_seconds(side.pid) - before
    settle(side.pid)
    requests = max(1.0, result.requests_per_second * max(1, round(seconds)))
    side.runs.setdefault(key, []).append(
        {
            "req_per_s": result.requests_per_second,
            "p50_ms": result.p50_ms,
            "p99_ms": result.p99_ms,
            "errors": result.errors,
            "cpu_ms_per_req": cpu / requests * 1000,
        }
    )


def interleave(sides: list[Side], seconds: float, runs: int, tmp: Path) -> None:
    for key, label, connections in WORKLOADS:
        print(f"  {label} ...", file=sys.stderr, flush=True)
        for side in sides:
            wrk(side.url, connections=connections, seconds=1, script=script_file(tmp, side, key))
            settle(side.pid)
        for _ in range(runs):
            for side in sides:
                measure(side, key, connections, seconds, tmp)


async def parley_side(url: str, pid: int, dsn: str, users: int, depth: int, tmp: Path) -> Side:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        owner_id, owner = await sign_up(client, "bench_owner")
        members: list[tuple[int, dict[str, str]]] = []
        for i in range(users):
            user_id, headers = await sign_up(client, f"bench_member{i}")
            for asker, other in ((owner, user_id), (headers, owner_id)):
                asked = await client.post("/v1/friends", json={"user_id": other}, headers=asker)
                asked.raise_for_status()
            members.append((user_id, headers))
        body = {"name": "bench", "member_ids": [user_id for user_id, _ in members]}
        made = await client.post("/v1/channels", json=body, headers=owner)
        channel_id = made.raise_for_status().json()["id"]
    base = f"/v1/channels/{channel_id}/messages"
    side = Side(
        "parley",
        url,
        pid,
        [headers["Authorization"].removeprefix("Bearer ") for _, headers in members],
        {"newest": f"{base}?limit=50", "token": "/v1/auth/validate", "health": "/v1/health/live"},
        ("POST", base, '{"content":"benchmark message {txn}"}'),
    )
    await seed(side, depth + 100, tmp)
    conn = await asyncpg.connect(dsn)
    try:
        before = await conn.fetchval(
            "SELECT id FROM message WHERE channel_id = $1 ORDER BY id DESC OFFSET $2 LIMIT 1",
            channel_id,
            depth,
        )
    finally:
        await conn.close()
    side.paths["deep"] = f"{base}?limit=50&before={before}"
    return side


async def synapse_side(server: synapse.Synapse, users: int, depth: int, tmp: Path) -> Side:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        room_id, tokens = await synapse.room_with_members(client, server.secret, users)
        room = f"/_matrix/client/v3/rooms/{quote(room_id)}"
        side = Side(
            "synapse",
            server.url,
            server.pid,
            tokens,
            {
                "newest": f"{room}/messages?dir=b&limit=50",
                "token": "/_matrix/client/v3/account/whoami",
                "health": "/health",
            },
            (
                "PUT",
                f"{room}/send/m.room.message/{{txn}}",
                '{"msgtype":"m.text","body":"benchmark message {txn}"}',
            ),
        )
        await seed(side, depth + 100, tmp)
        start = await synapse.token_before(client, server.dsn, room_id, depth, tokens[0])
    side.paths["deep"] = f"{room}/messages?dir=b&limit=50&from={quote(start)}"
    return side


def medians(side: Side) -> dict[str, dict[str, float]]:
    return {
        key: {metric: statistics.median(run[metric] for run in runs) for metric in runs[0]}
        for key, runs in side.runs.items()
    }


def report(figures: dict[str, Any]) -> str:
    """The figures as a markdown table under a line saying how they were measured."""
    load = " / ".join(
        f"{a:.1f}-{b:.1f}"
        for a, b in zip(figures["load_before"], figures["load_after"], strict=True)
    )
    lines = [
        f"Parley {figures['parley_version']} (1 worker) vs Synapse {figures['synapse_version']} "
        f"(1 process), {figures['when']}; {figures['cores']} cores; one private PostgreSQL "
        f"cluster; {figures['users']} members, page {figures['depth']:,} deep; median of "
        f"{figures['runs']} interleaved runs of {figures['seconds']:g} s; "
        f"load average (1/5/15 min, before-after) {load}",
        "",
        "| workload | clients | Parley req/s, p99 | Synapse req/s, p99 | ratio (req/s) "
        "| server CPU ms/req, Parley vs Synapse |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key, label, connections in WORKLOADS:
        a, b = figures["parley"]["median"][key], figures["synapse"]["median"][key]
        errors = a["errors"] + b["errors"]
        noted = f" ({a['errors']:.0f} / {b['errors']:.0f} errors)" if errors else ""
        ratio = a["req_per_s"] / b["req_per_s"] if b["req_per_s"] else float("nan")
        lines.append(
            f"| {label}{noted} | {connections} "
            f"| {a['req_per_s']:,.0f}, {a['p99_ms']:.1f} ms "
            f"| {b['req_per_s']:,.0f}, {b['p99_ms']:.1f} ms | {ratio:.2f} "
            f"| {a['cpu_ms_per_req']:.2f} vs {b['cpu_ms_per_req']:.2f} |"
        )
    return "\n".join(lines) + "\n"


async def main(args: argparse.Namespace) -> dict[str, Any]:
    python = synapse.ensure_venv(args.synapse_version)
    # The servers start from cached bytecode: compiling Parley and its dependencies on every
    # start takes most of parley.testing's 60 s wait on a busy 2-core machine.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp_name, private_cluster() as admin_url:
        tmp = Path(tmp_name)
        servers = scratch_server(admin_url, workers=1, access_ttl_seconds=24 * 3600)
        peer_server = synapse.synapse_server(python, admin_url, tmp)
        async with servers as (server, dsn), peer_server as peer:
            print("setting up and seeding both sides ...", file=sys.stderr, flush=True)
            parley = await parley_side(
                server.url, server.process.pid, dsn, args.users, args.depth, tmp
            )
            other = await synapse_side(peer, args.users, args.depth, tmp)
            await asyncio.to_thread(interleave, [parley, other], args.seconds, args.runs, tmp)
    figures = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "parley_version": version("parley-chat"),
        "synapse_version": args.synapse_version,
        "depth": args.depth,
        "users": args.users,
        "seconds": args.seconds,
        "runs": args.runs,
        "workloads": {key: {"label": label, "clients": c} for key, label, c in WORKLOADS},
        "parley": {"median": medians(parley), "runs": parley.runs},
        "synapse": {"median": medians(other), "runs": other.runs},
    }
    print(json.dumps(figures, indent=2) if args.json else report(figures))
    return figures


def options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=20_000, help="messages back, deep page")
    parser.add_argument("--users", type=int, default=64, help="room members (senders)")
    parser.add_argument("--seconds", type=float, default=5.0, help="per wrk run")
    parser.add_argument("--runs", type=int, default=3, help="runs per side and workload")
    parser.add_argument("--synapse-version", default=synapse.VERSION)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the plumbing")
    args = parser.parse_args(argv)
    if args.quick:
        args.depth, args.users, args.seconds, args.runs = 300, 4, 1.0, 1
    return args


if __name__ == "__main__":
    asyncio.run(main(options()))
