"""Failure tests: a killed instance, a Redis outage, a PostgreSQL restart.

They run real `parley serve` processes on a private PostgreSQL cluster and a private Redis
(never the machine's shared ones, which other test processes use), loopback only.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from parley import migrate
from parley.settings import Settings
from tests.conftest import needs_postgres_and_redis
from tests.support.accounts import PASSWORD, Account
from tests.support.gateway import Gateway
from tests.support.private import PrivatePostgres, PrivateRedis, available
from tests.support.servers import ServerProcess, start_server

_why_not = available()
pytestmark = [
    needs_postgres_and_redis,
    pytest.mark.skipif(_why_not is not None, reason=_why_not or ""),
]


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[PrivatePostgres]:
    pg = PrivatePostgres()
    try:
        pg.init()
        pg.start()
        migrate.upgrade(pg.url)
        yield pg
    finally:
        pg.destroy()


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    instance = PrivateRedis()
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture
def servers(
    private_postgres: PrivatePostgres,
    private_redis: PrivateRedis,
    make_settings: Callable[..., Settings],
    tmp_path: Path,
) -> Iterator[Callable[..., ServerProcess]]:
    started: list[ServerProcess] = []
    settings = make_settings(
        database_url=private_postgres.url,
        redis_url=private_redis.url,
        data_dir=tmp_path / "data",
        rate_limits_enabled=True,
        rate_login="1000/minute",
        rate_login_ip="1000/minute",
        rate_register_ip="1000/minute",
    )

    def start() -> ServerProcess:
        server = start_server(settings, str(tmp_path))
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop(signal.SIGKILL)


async def _account(http: httpx.AsyncClient, base: str, name: str) -> Account:
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    response = await http.post(f"{base}/v1/auth/register", json=body)
    assert response.status_code == 201, response.text
    user_id = int(response.json()["id"])
    response = await http.post(f"{base}/v1/auth/login", json={"login": name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    tokens = response.json()
    return Account(
        id=user_id,
        username=name,
        email=body["email"],
        password=PASSWORD,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        session_id=tokens["session_id"],
    )


async def _pair(http: httpx.AsyncClient, base: str) -> tuple[Account, Account, int]:
    suffix = str(time.monotonic_ns())[-9:]
    alice = await _account(http, base, f"fa_{suffix}")
    bob = await _account(http, base, f"fb_{suffix}")
    for who, other in ((alice, bob), (bob, alice)):  # asking each other is mutual consent
        response = await http.post(
            f"{base}/v1/friends", json={"user_id": other.id}, headers=who.headers
        )
        assert response.status_code == 201, response.text
    response = await http.post(
        f"{base}/v1/channels/direct", json={"user_id": bob.id}, headers=alice.headers
    )
    assert response.status_code in (200, 201), response.text
    return alice, bob, int(response.json()["id"])


async def _history(http: httpx.AsyncClient, base: str, who: Account, channel: int) -> set[int]:
    ids: set[int] = set()
    params: dict[str, Any] = {"limit": 100}
    while True:
        response = await http.get(
            f"{base}/v1/channels/{channel}/messages", params=params, headers=who.headers
        )
        assert response.status_code == 200, response.text
        page = response.json()
        ids.update(int(m["id"]) for m in page["items"])
        if page["next_before"] is None:
            return ids
        params["before"] = page["next_before"]


async def _contents(gw: Gateway, until: str, within: float) -> list[str]:
    """Message contents dispatched to `gw` until `until` arrives."""
    seen: list[str] = []
    deadline = time.monotonic() + within
    while until not in seen:
        event = await gw.dispatch(max(0.1, deadline - time.monotonic()))
        if event["t"] == "MESSAGE_CREATE":
            seen.append(event["d"]["content"])
    return seen


async def _receives(gw: Gateway, token: str, content: str, within: float) -> bool:
    """Whether a message with `content` reaches `gw`. An INVALID_SESSION on the way (the
    instance's bus listener came back after missing events) is answered as a client does:
    IDENTIFY again on the same socket."""
    deadline = time.monotonic() + within
    while True:
        frame = await gw.recv(max(0.1, deadline - time.monotonic()))
        if frame["op"] == 9:
            await gw.identify(token)
        elif (
            frame["op"] == 0 and frame["t"] == "MESSAGE_CREATE" and frame["d"]["content"] == content
        ):
            return True


async def test_killing_one_instance_loses_no_acknowledged_message(
    servers: Callable[..., ServerProcess],
) -> None:
    a, b = servers(), servers()
    async with httpx.AsyncClient(timeout=5) as http:
        alice, bob, channel = await _pair(http, a.url)
        gw = await Gateway.open(b.ws_url)  # bob on the survivor
        await gw.identify(bob.access_token)
        acknowledged: list[int] = []
        killed = asyncio.Event()

        async def sender(server: ServerProcess, tag: str) -> None:
            for n in range(60):
                with contextlib.suppress(httpx.HTTPError):
                    response = await http.post(
                        f"{server.url}/v1/channels/{channel}/messages",
                        json={"content": f"{tag}-{n}"},
                        headers=alice.headers,
                    )
                    if 200 <= response.status_code < 300:
                        acknowledged.append(int(response.json()["id"]))
                    else:
                        assert response.status_code >= 500 or killed.is_set(), response.text
                await asyncio.sleep(0.01)

        async def killer() -> None:
            await asyncio.sleep(0.3)
            a.process.send_signal(signal.SIGKILL)
            killed.set()

        await asyncio.gather(sender(a, "a"), sender(b, "b"), killer())
        assert a.process.wait(5) == -signal.SIGKILL
        assert len(acknowledged) > 60  # every send through B, some through A

        assert set(acknowledged) <= await _history(http, b.url, bob, channel)
        # The survivor keeps delivering in realtime.
        response = await http.post(
            f"{b.url}/v1/channels/{channel}/messages",
            json={"content": "after the crash"},
            headers=alice.headers,
        )
        assert response.status_code == 201, response.text
        seen = await _contents(gw, "after the crash", within=10)
        assert "b-59" in seen
        await gw.close()


async def _identify_until_ready(base_ws: str, token: str, within: float) -> Gateway:
    deadline = time.monotonic() + within
    while True:
        try:
            gw = await Gateway.open(base_ws)
            await gw.identify(token)
            return gw
        except (ConnectionClosed, InvalidStatus, TimeoutError, AssertionError, OSError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def _recovered(
    http: httpx.AsyncClient,
    a: ServerProcess,
    alice: Account,
    channel: int,
    again: Gateway,
    bob: Account,
) -> None:
    """After Redis is back: a send through A reaches bob's gateway on B (the bus reconnected
    by itself) and logins work again."""
    deadline = time.monotonic() + 10
    delivered = False
    while not delivered and time.monotonic() < deadline:
        content = f"after-{time.monotonic_ns()}"
        response = await http.post(
            f"{a.url}/v1/channels/{channel}/messages",
            json={"content": content},
            headers=alice.headers,
        )
        assert response.status_code == 201, response.text
        with contextlib.suppress(TimeoutError):
            delivered = await _receives(again, bob.access_token, content, within=1)
    assert delivered
    response = await http.post(
        f"{a.url}/v1/auth/login", json={"login": alice.username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    await again.close()


async def test_a_redis_outage_keeps_sends_working_and_realtime_recovers(
    servers: Callable[..., ServerProcess], private_redis: PrivateRedis
) -> None:
    a, b = servers(), servers()
    async with httpx.AsyncClient(timeout=5) as http:
        alice, bob, channel = await _pair(http, a.url)
        gw = await Gateway.open(b.ws_url)
        await gw.identify(bob.access_token)

        private_redis.stop()
        outage_ends = time.monotonic() + 10
        acknowledged: list[int] = []
        n = 0
        while time.monotonic() < outage_ends:
            for server in (a, b):
                response = await http.post(
                    f"{server.url}/v1/channels/{channel}/messages",
                    json={"content": f"outage-{n}"},
                    headers=alice.headers,
                )
                assert response.status_code == 201, response.text
                acknowledged.append(int(response.json()["id"]))
                n += 1
            # Reads fail open; credential checks fail closed with a clear 503.
            response = await http.get(
                f"{b.url}/v1/channels/{channel}/messages", headers=bob.headers
            )
            assert response.status_code == 200, response.text
            await asyncio.sleep(0.3)
        response = await http.post(
            f"{a.url}/v1/auth/login", json={"login": alice.username, "password": PASSWORD}
        )
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "unavailable"

        # Bob's gateway session missed events: it is told to identify again, never silently
        # left behind.
        frames: list[dict[str, Any]] = []
        with contextlib.suppress(ConnectionClosed, TimeoutError):
            while True:
                frames.append(await gw.recv(within=2))
        assert {"op": 9, "d": False} in frames
        await gw.close()

        private_redis.start()  # back, empty (no persistence)
        again = await _identify_until_ready(b.ws_url, bob.access_token, within=15)
        # Catch up by refetching: everything acknowledged is there.
        assert set(acknowledged) <= await _history(http, b.url, bob, channel)
        # The bus has reconnected by itself: a send through A reaches bob on B.
        await _recovered(http, a, alice, channel, again, bob)


async def test_a_hung_redis_costs_seconds_not_a_hang_and_realtime_recovers(
    servers: Callable[..., ServerProcess], private_redis: PrivateRedis
) -> None:
    a, b = servers(), servers()
    async with httpx.AsyncClient(timeout=60) as http:
        alice, bob, channel = await _pair(http, a.url)
        gw = await Gateway.open(b.ws_url)
        await gw.identify(bob.access_token)

        private_redis.pause()  # connections stay open, nothing answers
        try:
            # A credential check meets the rate limiter's Redis: it fails closed, promptly.
            started = time.monotonic()
            response = await http.post(
                f"{a.url}/v1/auth/login", json={"login": alice.username, "password": PASSWORD}
            )
            login_took = time.monotonic() - started
            assert response.status_code == 503, response.text
            assert response.json()["error"]["code"] == "unavailable"

            # Sends publish on the bus (and B appends to bob's replay buffer): concurrent
            # sends on both instances are all stored and answered.
            started = time.monotonic()
            responses = await asyncio.gather(
                *(
                    http.post(
                        f"{server.url}/v1/channels/{channel}/messages",
                        json={"content": f"hung-{n}"},
                        headers=alice.headers,
                    )
                    for n, server in enumerate([a, b] * 10)
                )
            )
            sends_took = time.monotonic() - started
            assert all(r.status_code == 201 for r in responses), [r.text for r in responses]
            acknowledged = {int(r.json()["id"]) for r in responses}

            # Reads never wait for Redis.
            started = time.monotonic()
            response = await http.get(
                f"{b.url}/v1/channels/{channel}/messages", headers=bob.headers
            )
            read_took = time.monotonic() - started
            assert response.status_code == 200, response.text

            # The bus listener pings Redis after 5 s of silence and reconnects when no answer
            # comes: keep Redis hung until B's listener has given up on its connection.
            for _ in range(75):
                if "bus listener lost Redis" in b.log():
                    break
                await asyncio.sleep(0.2)
            assert "bus listener lost Redis" in b.log()
        finally:
            private_redis.resume()
        assert login_took < 3, login_took  # one timeout (1.5 s)
        assert sends_took < 6, sends_took  # not one timeout per queued send
        assert read_took < 1, read_took

        # Bob's session missed events while its buffer was unreachable: INVALID_SESSION.
        frames: list[dict[str, Any]] = []
        with contextlib.suppress(ConnectionClosed, TimeoutError):
            while True:
                frames.append(await gw.recv(within=2))
        assert {"op": 9, "d": False} in frames
        await gw.close()

        # Redis answers again (with its data: it was only stopped): everything recovers.
        again = await _identify_until_ready(b.ws_url, bob.access_token, within=15)
        assert acknowledged <= await _history(http, b.url, bob, channel)
        await _recovered(http, a, alice, channel, again, bob)


async def test_a_postgres_restart_answers_503_then_recovers_without_restarting_parley(
    servers: Callable[..., ServerProcess], private_postgres: PrivatePostgres
) -> None:
    server = servers()
    async with httpx.AsyncClient(timeout=10) as http:
        alice, _bob, channel = await _pair(http, server.url)
        # Warm the pool so stale connections exist when PostgreSQL goes away.
        for _ in range(3):
            response = await http.get(f"{server.url}/v1/channels", headers=alice.headers)
            assert response.status_code == 200, response.text

        private_postgres.stop()
        try:
            for path in (f"/v1/channels/{channel}/messages", "/v1/users/me"):
                response = await http.get(f"{server.url}{path}", headers=alice.headers)
                assert response.status_code == 503, response.text
                assert response.json()["error"]["code"] == "database_unavailable"
                assert response.headers["retry-after"] == "2"
            response = await http.post(
                f"{server.url}/v1/channels/{channel}/messages",
                json={"content": "during"},
                headers=alice.headers,
            )
            assert response.status_code == 503, response.text
            # A dialect route answers 503 in its own error style.
            response = await http.post(
                f"{server.url}/auth/register/",
                json={"username": "nobody", "email": "nobody@example.com", "password": PASSWORD},
                headers={"Accept-Language": "ru-RU"},
            )
            assert response.status_code == 503, response.text
            assert "database is unavailable" in response.json()["detail"]
            assert response.headers["retry-after"] == "2"
        finally:
            private_postgres.start()

        # The pool recovers on the first request: stale connections are discarded.
        response = await http.post(
            f"{server.url}/v1/channels/{channel}/messages",
            json={"content": "after"},
            headers=alice.headers,
        )
        assert response.status_code == 201, response.text
        for _ in range(5):
            response = await http.get(f"{server.url}/v1/channels", headers=alice.headers)
            assert response.status_code == 200, response.text
        assert server.process.poll() is None

        # A restart nobody noticed: the first request may meet a dead pooled connection (503,
        # and the pool is invalidated); the next one is served.
        private_postgres.stop()
        private_postgres.start()
        first = await http.get(f"{server.url}/v1/channels", headers=alice.headers)
        assert first.status_code in (200, 503), first.text
        for _ in range(3):
            response = await http.get(f"{server.url}/v1/channels", headers=alice.headers)
            assert response.status_code == 200, response.text


async def _refused_after(
    http: httpx.AsyncClient, server: ServerProcess, who: Account, within: float
) -> tuple[float, int]:
    """Seconds until `server` refuses `who`'s token, and how many requests it accepted."""
    started = time.monotonic()
    accepted = 0
    while time.monotonic() - started < within:
        response = await http.get(f"{server.url}/v1/auth/validate", headers=who.headers)
        if response.status_code == 401:
            return time.monotonic() - started, accepted
        assert response.status_code == 200, response.text
        accepted += 1
        await asyncio.sleep(0.05)
    raise AssertionError(f"still accepted after {within} s ({accepted} requests)")


async def test_a_logout_during_a_redis_stall_reaches_the_other_instance_once_redis_answers(
    servers: Callable[..., ServerProcess], private_redis: PrivateRedis
) -> None:
    """The revocation's publish times out while Redis is stalled: it is retried until Redis
    takes it, so B refuses the token within 2 s of Redis answering (not after B's session
    cache lapses)."""
    a, b = servers(), servers()
    async with httpx.AsyncClient(timeout=10) as http:
        alice = await _account(http, a.url, f"rs_{str(time.monotonic_ns())[-9:]}")
        assert (await http.get(f"{b.url}/v1/auth/validate", headers=alice.headers)).is_success
        # A restart first: A's publishing connection is stale, so the publish during the
        # stall opens a new one and times out before the command is ever sent.
        private_redis.stop()
        private_redis.start()
        await asyncio.sleep(3)  # both listeners subscribed again (B forgot its cache)
        assert (await http.get(f"{b.url}/v1/auth/validate", headers=alice.headers)).is_success
        private_redis.pause()
        try:
            stalled = time.monotonic()
            response = await http.post(f"{a.url}/v1/auth/logout", headers=alice.headers)
            assert response.status_code == 204, response.text
            revoked = await http.get(f"{a.url}/v1/auth/validate", headers=alice.headers)
            assert revoked.status_code == 401
            await asyncio.sleep(max(0.0, 2.5 - (time.monotonic() - stalled)))
        finally:
            private_redis.resume()
        took, accepted = await _refused_after(http, b, alice, within=35)
        assert took < 2.0, (took, accepted)


async def test_a_logout_while_redis_is_down_reaches_the_other_instance_once_it_is_back(
    servers: Callable[..., ServerProcess], private_redis: PrivateRedis
) -> None:
    a, b = servers(), servers()
    async with httpx.AsyncClient(timeout=10) as http:
        alice = await _account(http, a.url, f"rd_{str(time.monotonic_ns())[-9:]}")
        assert (await http.get(f"{b.url}/v1/auth/validate", headers=alice.headers)).is_success
        private_redis.stop()
        try:
            response = await http.post(f"{a.url}/v1/auth/logout", headers=alice.headers)
            assert response.status_code == 204, response.text
        finally:
            private_redis.start()  # back, empty
        took, accepted = await _refused_after(http, b, alice, within=35)
        assert took < 4.0, (took, accepted)  # B's listener reconnects within 2 s
