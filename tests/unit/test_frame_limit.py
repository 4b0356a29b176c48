"""The gateway's inbound-frame window: a fixed window per connection from its first frame."""

from __future__ import annotations

import time

from parley.realtime.frames import FrameLimit


def test_a_connection_spends_its_window_and_gets_a_new_one() -> None:
    frames = FrameLimit("3/second")
    one, two = frames.window(), frames.window()
    assert [one.hit() for _ in range(4)] == [True, True, True, False]
    assert two.hit()  # another connection counts apart
    time.sleep(1.05)
    assert one.hit()


def test_the_limit_is_written_in_limits_notation() -> None:
    frames = FrameLimit("120 per 2 minutes")
    assert (frames.amount, frames.seconds) == (120, 120)
