"""The Redis bus listener across idle periods (it pings Redis while nothing arrives)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from parley.infra import bus as bus_module
from parley.infra.bus import Event, RedisBus
from parley.kit.secrets import new_token
from tests.conftest import REDIS_URL, needs_redis

pytestmark = needs_redis


async def test_an_idle_listener_keeps_its_connection_and_still_receives(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    assert REDIS_URL is not None
    monkeypatch.setattr(bus_module, "_POLL", 0.1)
    monkeypatch.setattr(bus_module, "_IDLE", 0.2)  # several PINGs while idle
    prefix = f"test-{new_token(6)}"
    sender, receiver = RedisBus(REDIS_URL, prefix), RedisBus(REDIS_URL, prefix)
    received: list[Event] = []

    async def record(event: Event) -> None:
        received.append(event)

    receiver.subscribe("idle.", record)
    await sender.start()
    await receiver.start()
    try:
        with caplog.at_level(logging.WARNING, logger="parley.bus"):
            await asyncio.sleep(2.5)  # longer than a PING may go unanswered
            await sender.publish(Event("idle.check", {"n": 1}))
            for _ in range(50):
                if received:
                    break
                await asyncio.sleep(0.05)
        assert [e.payload for e in received] == [{"n": 1}]
        assert "reconnecting" not in caplog.text
    finally:
        await sender.stop()
        await receiver.stop()
