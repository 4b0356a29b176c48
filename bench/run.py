"""Every benchmark in bench/ against servers it starts, as one table (issue 9).

    .venv/bin/python -m bench.run                 # full sizes; takes a while
    .venv/bin/python -m bench.run --quick         # tiny sizes: proves the runner, not the figures
    .venv/bin/python -m bench.run --only auth,gateway --databases postgres
    .venv/bin/python -m bench.run --peer synapse  # Parley vs Synapse (bench/peer_synapse.py)

Runs auth (validate/login throughput, SQLite and PostgreSQL + Redis), search_users (prefix
search latency, SQLite and PostgreSQL), messages (persisted sends and deep paging, PostgreSQL +
Redis: it bulk-loads with PostgreSQL SQL) and gateway (memory per connection and fan-out
latency, SQLite and PostgreSQL, always on Redis). Each benchmark measures exactly what its own
script measures; their own output goes to `bench/results/latest.log`. The table is printed
and written to `bench/results/latest.md` (git-ignored). PostgreSQL and Redis come from
PARLEY_BENCH_DATABASE_URL / PARLEY_BENCH_REDIS_URL (defaults: 127.0.0.1).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import auth, gateway, messages, peer_synapse, search_users
from bench.common import PG_URL, REDIS_URL, Row, bench_database

RESULTS = Path(__file__).resolve().parent / "results"

FULL: dict[str, float | str] = {
    "auth_seconds": 10,
    "search_users": 100_000,
    "search_queries": 2_000,
    "messages_seconds": 5.0,
    "messages_levels": "1,16,64",
    "messages_deep": 1_000_000,
    "messages_tail": 300_000,
    "messages_rounds": 200,
    "gateway_clients": 2000,
    "gateway_rounds": 10,
}
QUICK: dict[str, float | str] = {
    "auth_seconds": 1,
    "search_users": 2_000,
    "search_queries": 100,
    "messages_seconds": 0.5,
    "messages_levels": "1,4",
    "messages_deep": 2_000,
    "messages_tail": 1_000,
    "messages_rounds": 5,
    "gateway_clients": 10,
    "gateway_rounds": 2,
}


def run_auth(database: str, size: dict[str, float | str]) -> list[Row]:
    measured = auth.measure(database, int(size["auth_seconds"]))
    return auth.table_rows(database, measured)


def run_search(database: str, size: dict[str, float | str]) -> list[Row]:
    users, queries = int(size["search_users"]), int(size["search_queries"])
    with bench_database(database) as url:
        # search_users migrates and fills the database it is given; an empty one is fine.
        figures = asyncio.run(search_users.run(url, users, queries))
    case = f"{users:,} users, {queries:,} prefixes"
    return [
        Row("search_users", database, case, f"search {metric} ms", f"{figures[metric]:.2f}")
        for metric in ("p50", "p95", "p99")
    ]


def run_messages(database: str, size: dict[str, float | str]) -> list[Row]:
    args = messages.options(
        [
            "--database-url",
            PG_URL,
            "--redis-url",
            REDIS_URL,
            "--seconds",
            str(size["messages_seconds"]),
            "--levels",
            str(size["messages_levels"]),
            "--deep",
            str(size["messages_deep"]),
            "--tail",
            str(size["messages_tail"]),
            "--rounds",
            str(size["messages_rounds"]),
        ]
    )
    figures = asyncio.run(messages.main(args))
    rows = []
    for level, f in figures["levels"].items():
        case = f"{level} sender{'s' if level > 1 else ''}"
        rows += [
            Row("messages", database, case, "sends/s", f"{f['sends_per_s']:,.0f}"),
            Row("messages", database, case, "send p99 ms", f"{f['p99_ms']:.1f}"),
            Row("messages", database, case, "server CPU ms/send", f"{f['cpu_ms_per_send']:.2f}"),
        ]
        if f["errors"]:
            rows.append(Row("messages", database, case, "errors", str(f["errors"])))
    deep = f"page {figures['deep']:,} deep"
    rows += [
        Row("messages", database, "newest page (50)", "median ms", f"{figures['newest_ms']:.2f}"),
        Row("messages", database, deep, "median ms", f"{figures['deep_ms']:.2f}"),
        Row("messages", database, "small channel", "median ms", f"{figures['small_ms']:.2f}"),
    ]
    return rows


def run_gateway(database: str, size: dict[str, float | str]) -> list[Row]:
    args = gateway.options(
        [
            "--database",
            database,
            "--clients",
            str(size["gateway_clients"]),
            "--rounds",
            str(size["gateway_rounds"]),
        ]
    )
    f = gateway.measure(args)
    case = f"{int(f['clients']):,} clients"
    return [
        Row("gateway", database, case, "KiB per idle connection", f"{f['kib_per_connection']:.1f}"),
        Row("gateway", database, case, "fan-out p50 ms", f"{f['p50_ms']:.1f}"),
        Row("gateway", database, case, "fan-out p99 ms", f"{f['p99_ms']:.1f}"),
    ]


BENCHMARKS: dict[str, tuple[Callable[[str, dict[str, float | str]], list[Row]], list[str]]] = {
    "auth": (run_auth, ["sqlite", "postgres"]),
    "search_users": (run_search, ["sqlite", "postgres"]),
    "messages": (run_messages, ["postgres"]),
    "gateway": (run_gateway, ["sqlite", "postgres"]),
}


def markdown(rows: list[Row], header: str) -> str:
    lines = [
        header,
        "",
        "| benchmark | database | case | metric | value |",
        "|---|---|---|---|---:|",
    ]
    lines += [f"| {r.benchmark} | {r.database} | {r.case} | {r.metric} | {r.value} |" for r in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run)")
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated names")
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite,postgres")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.md")
    parser.add_argument(
        "--peer", choices=["synapse"], help="run bench/peer_synapse.py instead (its options follow)"
    )
    args, rest = parser.parse_known_args(argv)
    if args.peer:
        asyncio.run(peer_synapse.main(peer_synapse.options(rest + ["--quick"] * args.quick)))
        return 0
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    size = QUICK if args.quick else FULL
    wanted = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(wanted) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmarks: {', '.join(sorted(unknown))}")
    databases = {d.strip() for d in args.databases.split(",")}

    args.output.parent.mkdir(parents=True, exist_ok=True)
    log_path = args.output.with_suffix(".log")
    rows: list[Row] = []
    failed: list[str] = []
    started = time.monotonic()
    with open(log_path, "w") as log:
        for name in wanted:
            work, applies = BENCHMARKS[name]
            for database in [d for d in applies if d in databases]:
                print(f"running {name} on {database} ...", file=sys.stderr, flush=True)
                began = time.monotonic()
                print(f"\n===== {name} ({database})", file=log, flush=True)
                try:
                    with contextlib.redirect_stdout(log):
                        rows += work(database, size)
                except Exception:  # one broken benchmark must not hide the rest
                    traceback.print_exc(file=log)
                    failed.append(f"{name} ({database})")
                    print(f"  failed: see {log_path}", file=sys.stderr)
                log.flush()
                print(f"  {time.monotonic() - began:.0f} s", file=sys.stderr)

    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"Parley benchmarks, {when}{' (--quick: tiny sizes, not figures)' if args.quick else ''}; "
        f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"PostgreSQL + Redis at {PG_URL.split('@')[-1]} / {REDIS_URL.split('@')[-1]}; "
        f"{time.monotonic() - started:.0f} s"
    )
    table = markdown(rows, header)
    if failed:
        table += f"\nFailed: {', '.join(failed)} (see {log_path.name})\n"
    args.output.write_text(table)
    print(table)
    print(f"written to {args.output}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
