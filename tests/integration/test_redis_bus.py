"""The Redis bus listener: idle periods (redis-py's health-check PING), a killed connection,
a stopped and a hung Redis (redis-py's Retry reconnects it), and the kept revocations."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
import redis

from parley.infra import bus as bus_module
from parley.infra.bus import LISTENER_GAP, Event, RedisBus
from parley.kit.secrets import new_token
from tests.conftest import REDIS_URL, needs_redis
from tests.support.private import PrivateRedis

pytestmark = needs_redis

needs_redis_server = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="redis-server is not installed"
)


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    instance = PrivateRedis()
    instance.start()
    yield instance
    instance.resume()
    instance.stop()


@pytest.fixture
def quick_ping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bus_module, "_POLL", 0.1)
    monkeypatch.setattr(bus_module, "_IDLE", 0.3)


@asynccontextmanager
async def buses(url: str, prefix: str) -> AsyncIterator[tuple[RedisBus, RedisBus, list[Event]]]:
    """A sender and a receiver on one channel; the receiver records every event."""
    sender, receiver = RedisBus(url, prefix), RedisBus(url, prefix)
    received: list[Event] = []

    async def record(event: Event) -> None:
        received.append(event)

    receiver.subscribe("", record)
    await sender.start()
    await receiver.start()
    try:
        yield sender, receiver, received
    finally:
        await sender.stop()
        await receiver.stop()


async def arrived(received: list[Event], topic: str, within: float) -> float:
    """Seconds until an event on `topic` is among `received`."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while topic not in [e.topic for e in received]:
        if loop.time() - started > within:
            raise AssertionError(f"no {topic} within {within} s: {[e.topic for e in received]}")
        await asyncio.sleep(0.02)
    return loop.time() - started


async def test_an_idle_listener_keeps_its_connection_and_still_receives(
    quick_ping: None, caplog: pytest.LogCaptureFixture
) -> None:
    assert REDIS_URL is not None
    async with buses(REDIS_URL, f"test-{new_token(6)}") as (sender, _receiver, received):
        with caplog.at_level(logging.WARNING, logger="parley.bus"):
            await asyncio.sleep(2.5)  # several health-check PINGs, each answered
            await sender.publish(Event("idle.check", {"n": 1}))
            await arrived(received, "idle.check", within=2.5)
        assert [e.payload for e in received] == [{"n": 1}]
        assert "reconnecting" not in caplog.text


async def test_a_killed_listener_connection_comes_back_and_reports_the_gap() -> None:
    assert REDIS_URL is not None
    prefix = f"test-{new_token(6)}"
    async with buses(REDIS_URL, prefix) as (sender, _receiver, received):
        with redis.Redis.from_url(REDIS_URL) as admin:
            listeners = [
                c for c in admin.client_list() if c["name"] == f"{prefix}:bus" and c["sub"] != "0"
            ]
            assert len(listeners) == 2  # the sender's and the receiver's
            for listener in listeners:
                admin.client_kill_filter(_id=listener["id"])
        assert await arrived(received, LISTENER_GAP, within=3) < 1.0
        await sender.publish(Event("after.kill", {}))
        await arrived(received, "after.kill", within=2)
        assert [e.topic for e in received].count(LISTENER_GAP) == 1


@needs_redis_server
async def test_a_stopped_redis_is_retried_with_a_capped_backoff(
    private_redis: PrivateRedis, caplog: pytest.LogCaptureFixture
) -> None:
    async with buses(private_redis.url, "stopped") as (sender, _receiver, received):
        with caplog.at_level(logging.WARNING, logger="parley.bus"):
            private_redis.stop()
            await asyncio.sleep(6)
            private_redis.start()
            took = await arrived(received, LISTENER_GAP, within=4)
        delays = {r.delay for r in caplog.records if "lost Redis; reconnecting" in r.message}
        assert sorted(delays) == [0.1, 0.2, 0.4, 0.8, 1.6, 2.0]
        assert took < 2.5  # within one capped wait of Redis answering again
        await sender.publish(Event("after.outage", {}))
        await arrived(received, "after.outage", within=2)


@needs_redis_server
async def test_a_hung_redis_is_noticed_by_an_unanswered_ping(
    private_redis: PrivateRedis, quick_ping: None, caplog: pytest.LogCaptureFixture
) -> None:
    async with buses(private_redis.url, "hung") as (sender, _receiver, received):
        with caplog.at_level(logging.WARNING, logger="parley.bus"):
            private_redis.pause()
            loop = asyncio.get_running_loop()
            paused = loop.time()
            while "no answer to a PING" not in caplog.text:
                assert loop.time() - paused < 5, caplog.text
                await asyncio.sleep(0.05)
            noticed = loop.time() - paused
            private_redis.resume()
            await arrived(received, LISTENER_GAP, within=5)
        # silence (since the last PONG) for the health-check interval, then the Redis
        # timeout for the next PONG
        assert 1.5 < noticed < 3.5, noticed
        await sender.publish(Event("after.hang", {}))
        await arrived(received, "after.hang", within=2)


@needs_redis_server
async def test_revocations_published_while_redis_stalls_arrive_in_order_once_it_answers(
    private_redis: PrivateRedis,
) -> None:
    async with buses(private_redis.url, "paused") as (sender, _receiver, received):
        with redis.Redis.from_url(private_redis.url) as admin:
            admin.client_pause(2500, all=False)  # writes (PUBLISH) wait; subscribers stay
        await sender.publish(Event("session.revoked", {"n": 1}))  # times out: kept
        await sender.publish(Event("message.created", {}))  # realtime only: dropped
        await sender.publish(Event("session.revoked", {"n": 2}))  # behind n=1
        await arrived(received, "session.revoked", within=4)
        await asyncio.sleep(0.3)
        assert [(e.topic, e.payload) for e in received] == [
            ("session.revoked", {"n": 1}),
            ("session.revoked", {"n": 2}),
        ]
