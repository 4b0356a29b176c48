"""Two `parley serve` processes on one PostgreSQL + Redis: fan-out and resume cross them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
import redis

from parley.infra.bus import Event
from parley.runtime import Runtime
from parley.settings import Settings
from tests.conftest import needs_postgres_and_redis
from tests.support.accounts import Account, unique_name
from tests.support.gateway import Gateway
from tests.support.servers import ServerProcess
from tests.support.social import befriend, open_dm

pytestmark = needs_postgres_and_redis


async def publish(runtime: Runtime, user_id: int, n: int) -> None:
    # The test process is one more instance on the same Redis bus.
    await runtime.bus.publish(Event("message.created", {"user_ids": [user_id], "data": {"n": n}}))


async def test_events_from_another_instance_arrive_in_order_and_resume_crosses_instances(
    server_factory: Callable[..., ServerProcess], runtime: Runtime, alice: Account
) -> None:
    a, b = server_factory(), server_factory()
    gw = await Gateway.open(a.ws_url)
    ready = await gw.identify(alice.access_token)
    for n in range(1, 21):
        await publish(runtime, alice.id, n)
    received = [await gw.dispatch() for _ in range(20)]
    assert [(e["s"], e["d"]["n"]) for e in received] == [(n, n) for n in range(1, 21)]

    # A goes away: RECONNECT, then the socket closes; events keep coming meanwhile.
    await asyncio.to_thread(a.stop)
    assert await gw.recv() == {"op": 7, "d": None}
    assert await gw.closed() == 1012
    for n in range(21, 26):
        await publish(runtime, alice.id, n)

    again = await Gateway.open(b.ws_url)
    await again.send(6, {"token": alice.access_token, "session_id": ready["session_id"], "seq": 20})
    assert (await again.dispatch())["t"] == "RESUMED"
    replayed = [await again.dispatch() for _ in range(5)]
    assert [(e["s"], e["d"]["n"]) for e in replayed] == [(n, n) for n in range(21, 26)]
    await publish(runtime, alice.id, 26)
    assert (await again.dispatch())["s"] == 26
    await again.close()


async def test_logout_on_one_instance_closes_the_socket_on_the_other_within_a_second(
    server_factory: Callable[..., ServerProcess], alice: Account
) -> None:
    a, b = server_factory(), server_factory()
    gw = await Gateway.open(a.ws_url)
    await gw.identify(alice.access_token)
    async with httpx.AsyncClient(base_url=b.url) as http:
        response = await http.post("/v1/auth/logout", headers=alice.headers)
    assert response.status_code == 204
    started = time.monotonic()
    assert await gw.closed(within=1.0) == 4011
    assert time.monotonic() - started < 1.0


async def test_messages_posted_through_b_reach_a_client_on_a_in_order(
    server_factory: Callable[..., ServerProcess],
    client: httpx.AsyncClient,
    alice: Account,
    bob: Account,
) -> None:
    a, b = server_factory(), server_factory()
    await befriend(client, alice, bob)
    channel_id = await open_dm(client, bob, alice)
    gw = await Gateway.open(a.ws_url)
    await gw.identify(alice.access_token)
    sent = []
    async with httpx.AsyncClient(base_url=b.url) as http:
        for n in range(20):
            response = await http.post(
                f"/v1/channels/{channel_id}/messages",
                json={"content": f"message {n}"},
                headers=bob.headers,
            )
            assert response.status_code == 201, response.text
            sent.append(response.json()["id"])
    received = [await gw.dispatch() for _ in range(20)]
    assert [e["t"] for e in received] == ["MESSAGE_CREATE"] * 20
    assert [e["d"]["id"] for e in received] == sent
    assert [e["s"] for e in received] == list(range(1, 21))
    await gw.close()


async def test_a_gap_in_the_bus_listener_tells_its_sessions_to_refetch(
    server_factory: Callable[..., ServerProcess], settings: Settings, alice: Account
) -> None:
    """Whatever was published while an instance's listener was away never reached it: its
    sessions get INVALID_SESSION (IDENTIFY again, refetch) instead of a silent hole."""
    prefix = f"gap-{unique_name()}"
    server = server_factory(settings.model_copy(update={"redis_prefix": prefix}))
    gw = await Gateway.open(server.ws_url)
    await gw.identify(alice.access_token)
    with redis.Redis.from_url(str(settings.redis_url)) as admin:
        listeners = [
            c for c in admin.client_list() if c["name"] == f"{prefix}:bus" and c["sub"] != "0"
        ]
        assert listeners, "the server's bus listener is not on Redis"
        for listener in listeners:
            admin.client_kill_filter(_id=listener["id"])
    assert await gw.recv(within=10) == {"op": 9, "d": False}
    await gw.close()
    again = await Gateway.open(server.ws_url)
    assert (await again.identify(alice.access_token))["user"]["id"] == alice.id
    await again.close()
