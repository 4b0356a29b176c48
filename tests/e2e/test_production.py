"""Production behaviour of real `parley serve` processes: graceful shutdown across two
instances, and `--workers N` on one machine using the same Redis/PostgreSQL path."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from parley.settings import Settings
from tests.conftest import needs_postgres_and_redis
from tests.e2e.test_two_instances import sign_up
from tests.support.accounts import Account
from tests.support.gateway import Gateway
from tests.support.images import image_bytes
from tests.support.servers import ServerProcess, settings_env
from tests.support.social import befriend, open_dm


class HeldUpload:
    """An avatar upload whose body stops half-way until released: a request that is
    in flight for as long as the test wants."""

    def __init__(self, base_url: str, account: Account) -> None:
        request = httpx.Request(
            "PUT",
            f"{base_url}/v1/users/me/avatar",
            files={"file": ("me.png", image_bytes("PNG", (256, 256)), "image/png")},
        )
        self.body = request.read()
        self.headers = {
            **account.headers,
            "Content-Type": request.headers["Content-Type"],
            "Content-Length": str(len(self.body)),
        }
        self.url = str(request.url)
        self.half_sent = asyncio.Event()
        self.release = asyncio.Event()

    async def _chunks(self) -> AsyncIterator[bytes]:
        half = len(self.body) // 2
        yield self.body[:half]
        self.half_sent.set()
        await self.release.wait()
        yield self.body[half:]

    async def send(self) -> httpx.Response:
        async with httpx.AsyncClient(timeout=20) as http:
            return await http.put(self.url, content=self._chunks(), headers=self.headers)


async def refuses_connections(url: str, within: float = 3.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            async with httpx.AsyncClient(timeout=0.5) as http:
                await http.get(f"{url}/v1/health/live")
        except httpx.ConnectError:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{url} still accepts connections")


async def until_reconnect(gw: Gateway) -> int | None:
    """Read frames up to RECONNECT; the last dispatch sequence seen before it."""
    last: int | None = None
    while True:
        frame = await gw.recv(within=5)
        if frame["op"] == 7:
            return last
        if frame["op"] == 0 and frame.get("s") is not None:
            last = frame["s"]


@needs_postgres_and_redis
async def test_sigterm_finishes_in_flight_work_and_clients_resume_elsewhere(
    server_factory: Callable[..., ServerProcess],
    client: httpx.AsyncClient,
    alice: Account,
    bob: Account,
) -> None:
    a, b = server_factory(), server_factory()
    await befriend(client, bob, alice)
    channel_id = await open_dm(client, bob, alice)
    gw = await Gateway.open(a.ws_url)
    ready = await gw.identify(alice.access_token)

    upload = HeldUpload(a.url, alice)
    async with asyncio.timeout(40):
        in_flight = asyncio.create_task(upload.send())
        await upload.half_sent.wait()
        await asyncio.sleep(0.1)  # the instance has the request line and half the body

        a.process.send_signal(signal.SIGTERM)
        seq = await until_reconnect(gw)
        assert await gw.closed() == 1012
        await refuses_connections(a.url)  # stopped accepting, still finishing the upload

        sent: list[int] = []
        async with httpx.AsyncClient(base_url=b.url, timeout=10) as http:
            for n in range(5):
                posted = await http.post(
                    f"/v1/channels/{channel_id}/messages",
                    json={"content": f"while A drains {n}"},
                    headers=bob.headers,
                )
                assert posted.status_code == 201, posted.text
                sent.append(posted.json()["id"])

        assert a.process.poll() is None, "A exited before finishing the in-flight request"
        upload.release.set()
        response = await in_flight
        assert response.status_code == 200, response.text
        # uvicorn re-raises the signal after its clean shutdown (systemd counts it a success)
        assert await asyncio.to_thread(a.process.wait, 15) in (0, -signal.SIGTERM)
        assert "Traceback" not in a.log()

        # the client resumes on B and receives every event posted meanwhile, in order
        again = await Gateway.open(b.ws_url)
        await again.send(
            6,
            {"token": alice.access_token, "session_id": ready["session_id"], "seq": seq or 0},
        )
        assert (await again.dispatch())["t"] == "RESUMED"
        replayed: list[dict[str, Any]] = []
        while len([e for e in replayed if e["t"] == "MESSAGE_CREATE"]) < len(sent):
            replayed.append(await again.dispatch(within=5))
        assert [e["d"]["id"] for e in replayed if e["t"] == "MESSAGE_CREATE"] == sent
        first = (seq or 0) + 1
        assert [e["s"] for e in replayed] == list(range(first, first + len(replayed)))
        await again.close()

        # what the draining instance finished is there for everyone
        async with httpx.AsyncClient(base_url=b.url, timeout=10) as http:
            me = (await http.get(f"/v1/users/{alice.id}", headers=alice.headers)).json()
        assert me["avatar_url"] == response.json()["avatar_url"]


async def validate_on_fresh_connections(url: str, headers: dict[str, str], n: int) -> list[int]:
    """`n` concurrent validations, each on its own connection (the kernel hands each new
    connection to one of the workers)."""

    async def one() -> int:
        async with httpx.AsyncClient(timeout=10) as http:
            return (await http.get(f"{url}/v1/auth/validate", headers=headers)).status_code

    return list(await asyncio.gather(*(one() for _ in range(n))))


@needs_postgres_and_redis
async def test_workers_share_revocations_through_redis(
    server_factory: Callable[..., ServerProcess],
) -> None:
    server = await asyncio.to_thread(server_factory, workers=2)
    _, tokens = await asyncio.to_thread(sign_up, server.url)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    # every worker that answers caches the session as valid
    assert await validate_on_fresh_connections(server.url, headers, 12) == [200] * 12
    async with httpx.AsyncClient(timeout=10) as http:
        logout = await http.post(f"{server.url}/v1/auth/logout", headers=headers)
    assert logout.status_code == 204
    revoked_at = time.monotonic()
    while True:
        sent_after = time.monotonic() - revoked_at
        assert sent_after < 1.0, "a worker still accepted the token 1 s after logout"
        if await validate_on_fresh_connections(server.url, headers, 8) == [401] * 8:
            break
        await asyncio.sleep(0.02)


def test_workers_need_redis(settings: Settings) -> None:
    env = {**os.environ, **settings_env(settings)}
    env.pop("PARLEY_REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "parley", "serve", "--workers", "2", "--no-migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "needs PARLEY_REDIS_URL" in result.stdout + result.stderr
