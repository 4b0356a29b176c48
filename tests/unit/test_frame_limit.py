"""The gateway's inbound-frame window (`limits`' fixed window, one key per connection)."""

from __future__ import annotations

import asyncio

from parley.realtime.frames import FrameLimit


async def test_a_connection_spends_its_window_and_gets_a_new_one() -> None:
    frames = FrameLimit("3/second")
    one, two = frames.connection(), frames.connection()
    assert one != two
    assert [await frames.hit(one) for _ in range(4)] == [True, True, True, False]
    assert await frames.hit(two)  # another connection counts apart
    await asyncio.sleep(1.05)
    assert await frames.hit(one)


async def test_a_closed_connection_leaves_no_counter() -> None:
    frames = FrameLimit("3/minute")
    key = frames.connection()
    await frames.hit(key)
    await frames.clear(key)
    assert (await frames.limiter.get_window_stats(frames.item, key)).remaining == 3
