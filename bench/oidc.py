"""OpenID Connect provider: sign-in flows/s and latency, userinfo throughput (issue 18).

Starts a server, registers a first-party confidential client, then measures the two calls of
a sign-in after the browser step (`POST /v1/oauth/authorize` → code, `POST /oauth/token` →
tokens, PKCE S256): sequential latency (p50/p99) and flows/s at 8 concurrent clients; then
`GET /oauth/userinfo` with wrk next to `/v1/health/live`.

    .venv/bin/python -m bench.oidc [--database sqlite|postgres] [--flows 200] [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from bench.auth import sign_up
from bench.common import bench_database, bench_settings, parley_server, percentile, wrk
from parley.kit.secrets import new_token
from parley.oidc import clients
from parley.runtime import build_runtime
from parley.settings import Settings
from parley.testing import free_port

REDIRECT = "http://127.0.0.1:9/callback"


async def register_client(settings: Settings) -> tuple[str, str]:
    rt = build_runtime(settings)
    try:
        async with rt.db.unit_of_work() as session:
            _app, registered = await clients.create_app(
                session,
                url="https://bench.example.com",
                name="Bench",
                redirect_uris=[REDIRECT],
                first_party=True,
            )
    finally:
        await rt.stop()
    assert registered is not None
    assert registered.secret is not None
    return registered.client.client_id, registered.secret


async def one_flow(
    http: httpx.AsyncClient, bearer: str, client_id: str, secret: str
) -> tuple[float, float]:
    """(authorize ms, token ms) of one sign-in."""
    verifier = new_token(48)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT,
            "scope": "openid profile email",
            "state": new_token(8),
            "nonce": new_token(8),
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    started = time.perf_counter()
    answer = await http.post(
        "/v1/oauth/authorize", json={"query": query}, headers={"Authorization": f"Bearer {bearer}"}
    )
    answer.raise_for_status()
    authorized = time.perf_counter()
    code = parse_qs(urlsplit(answer.json()["redirect_to"]).query)["code"][0]
    token = await http.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        auth=(client_id, secret),
    )
    token.raise_for_status()
    done = time.perf_counter()
    return (authorized - started) * 1000, (done - authorized) * 1000


async def measure_flows(
    base: str, bearer: str, client_id: str, secret: str, flows: int
) -> dict[str, float]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        await one_flow(http, bearer, client_id, secret)  # warm up
        authorize, token = [], []
        for _ in range(flows):
            a, t = await one_flow(http, bearer, client_id, secret)
            authorize.append(a)
            token.append(t)
        started = time.monotonic()
        per_client = max(1, flows // 8)
        await asyncio.gather(
            *[_loop(http, bearer, client_id, secret, per_client) for _ in range(8)]
        )
        rate = 8 * per_client / (time.monotonic() - started)
    return {
        "authorize p50 ms": percentile(authorize, 50),
        "authorize p99 ms": percentile(authorize, 99),
        "token p50 ms": percentile(token, 50),
        "token p99 ms": percentile(token, 99),
        "flows/s (8 clients)": rate,
    }


async def _loop(http: httpx.AsyncClient, bearer: str, client_id: str, secret: str, n: int) -> None:
    for _ in range(n):
        await one_flow(http, bearer, client_id, secret)


async def access_token(base: str, bearer: str, client_id: str, secret: str) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        verifier = new_token(48)
        query = urlencode(
            {
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": REDIRECT,
                "scope": "openid profile email",
                "code_challenge": create_s256_code_challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
        answer = await http.post(
            "/v1/oauth/authorize",
            json={"query": query},
            headers={"Authorization": f"Bearer {bearer}"},
        )
        code = parse_qs(urlsplit(answer.json()["redirect_to"]).query)["code"][0]
        token = await http.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "code_verifier": verifier,
            },
            auth=(client_id, secret),
        )
        return str(token.json()["access_token"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--flows", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, bench_database(args.database) as url:
        port = free_port()
        settings = bench_settings(url, Path(tmp) / "data", public_url=f"http://127.0.0.1:{port}")
        client_id, secret = asyncio.run(register_client(settings))
        with parley_server(settings, tmp, port=port) as server:
            bearer = sign_up(server.url, "oidcbench")
            figures = asyncio.run(measure_flows(server.url, bearer, client_id, secret, args.flows))
            token = asyncio.run(access_token(server.url, bearer, client_id, secret))
            hello = wrk(f"{server.url}/v1/health/live", seconds=args.seconds)
            info = wrk(
                f"{server.url}/oauth/userinfo",
                seconds=args.seconds,
                headers={"Authorization": f"Bearer {token}"},
            )
    print(f"database: {args.database}; {args.flows} sequential flows, then 8 concurrent clients")
    print("| metric | value |\n|---|---|")
    for name, value in figures.items():
        print(f"| {name} | {value:.1f} |")
    print(f"| hello req/s (wrk -c64) | {hello.requests_per_second:,.0f} |")
    print(f"| userinfo req/s (wrk -c64) | {info.requests_per_second:,.0f} |")
    print(f"| userinfo p99 ms | {info.p99_ms:.1f} |")
    if info.errors:
        print(f"| userinfo non-2xx | {info.errors} |")


if __name__ == "__main__":
    main()
