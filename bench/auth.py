"""Token validation and login throughput (issue: foundation).

Prints, for 1 and 2 workers: requests/s and latency of `GET /v1/auth/validate` with a valid
token next to the plain liveness route `GET /v1/health/live` of the same server (wrk, 64
connections), then logins/s at 8 concurrent clients and the p99 of `/v1/health` during that
login flood.

    .venv/bin/python -m bench.auth [--database sqlite|postgres] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import (
    Row,
    WrkResult,
    bench_database,
    bench_settings,
    parley_server,
    percentile,
    wrk,
)

PASSWORD = "benchmark password"


def sign_up(base: str, name: str) -> str:
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    httpx.post(f"{base}/v1/auth/register", json=body, timeout=30).raise_for_status()
    response = httpx.post(
        f"{base}/v1/auth/login", json={"login": name, "password": PASSWORD}, timeout=30
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


async def login_flood(base: str, name: str, clients: int, seconds: float) -> tuple[float, float]:
    """Logins/s with `clients` concurrent loops, and /v1/health p99 (ms) meanwhile."""
    stop = time.monotonic() + seconds
    logins = 0
    health: list[float] = []

    async def login_loop(client: httpx.AsyncClient) -> None:
        nonlocal logins
        while time.monotonic() < stop:
            r = await client.post("/v1/auth/login", json={"login": name, "password": PASSWORD})
            r.raise_for_status()
            logins += 1

    async def health_loop(client: httpx.AsyncClient) -> None:
        while time.monotonic() < stop:
            started = time.perf_counter()
            (await client.get("/v1/health")).raise_for_status()
            health.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.01)

    limits = httpx.Limits(max_connections=clients + 1)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        started = time.monotonic()
        await asyncio.gather(*[login_loop(client) for _ in range(clients)], health_loop(client))
        elapsed = time.monotonic() - started
    return logins / elapsed, percentile(health, 99)


Measured = tuple[int, WrkResult, WrkResult, float, float]


def measure(database: str, seconds: int, workers_list: tuple[int, ...] = (1, 2)) -> list[Measured]:
    """(workers, hello, validate, logins/s, health p99 ms) per worker count."""
    rows: list[Measured] = []
    with tempfile.TemporaryDirectory() as tmp, bench_database(database) as url:
        settings = bench_settings(url, Path(tmp) / "data")
        for workers in workers_list:
            with parley_server(settings, tmp, workers=workers) as server:
                token = sign_up(server.url, f"bench{workers}")
                auth = {"Authorization": f"Bearer {token}"}
                wrk(f"{server.url}/v1/auth/validate", seconds=2, headers=auth)  # warm caches
                hello = wrk(f"{server.url}/v1/health/live", seconds=seconds)
                valid = wrk(f"{server.url}/v1/auth/validate", seconds=seconds, headers=auth)
                login_rate, health_p99 = asyncio.run(
                    login_flood(server.url, f"bench{workers}", 8, seconds)
                )
                rows.append((workers, hello, valid, login_rate, health_p99))
    return rows


def table_rows(database: str, measured: list[Measured]) -> list[Row]:
    out: list[Row] = []
    for workers, hello, valid, login_rate, health_p99 in measured:
        case = f"{workers} worker{'s' if workers > 1 else ''}"
        ratio = valid.requests_per_second / hello.requests_per_second
        out.append(
            Row(
                "auth",
                database,
                case,
                "hello req/s (wrk -c64)",
                f"{hello.requests_per_second:,.0f}",
            )
        )
        out += [
            Row(
                "auth",
                database,
                case,
                "validate req/s (wrk -c64)",
                f"{valid.requests_per_second:,.0f}",
            ),
            Row("auth", database, case, "validate / hello", f"{ratio:.0%}"),
            Row("auth", database, case, "validate p99 ms", f"{valid.p99_ms:.2f}"),
            Row("auth", database, case, "logins/s (8 clients)", f"{login_rate:.1f}"),
            Row("auth", database, case, "health p99 during logins ms", f"{health_p99:.1f}"),
        ]
        if valid.errors or hello.errors:
            out.append(Row("auth", database, case, "non-2xx", f"{valid.errors + hello.errors}"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    rows = measure(args.database, args.seconds)
    print(f"database: {args.database}; wrk -t2 -c64 -d{args.seconds}s; argon2id m=19 MiB t=2 p=1")
    print(
        "| workers | hello req/s | validate req/s | ratio | validate p50 ms | validate p99 ms "
        "| logins/s (8 clients) | health p99 during logins ms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for workers, hello, valid, login_rate, health_p99 in rows:
        ratio = valid.requests_per_second / hello.requests_per_second
        print(
            f"| {workers} | {hello.requests_per_second:,.0f} | {valid.requests_per_second:,.0f} "
            f"| {ratio:.0%} | {valid.p50_ms:.2f} | {valid.p99_ms:.2f} | {login_rate:.1f} "
            f"| {health_p99:.1f} |"
        )
        if valid.errors or hello.errors:
            print(f"  non-2xx: validate {valid.errors}, hello {hello.errors}")


if __name__ == "__main__":
    main()
