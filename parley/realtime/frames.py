"""Inbound frames per connection: a fixed window from the connection's first frame, counted
on the connection itself (nothing shared between sockets, nothing to clear when one closes).
The limit is written in `limits`' notation (`PARLEY_RATE_GATEWAY="120/minute"`)."""

from __future__ import annotations

import time

from limits import parse


class FrameLimit:
    """One per hub; each connection counts in its own `FrameWindow` (`window()`)."""

    __slots__ = ("amount", "seconds")

    def __init__(self, limit: str) -> None:
        item = parse(limit)
        self.amount = item.amount
        self.seconds = item.get_expiry()

    def window(self) -> FrameWindow:
        return FrameWindow(self)


class FrameWindow:
    __slots__ = ("count", "ends", "limit")

    def __init__(self, limit: FrameLimit) -> None:
        self.limit = limit
        self.ends = 0.0
        self.count = 0

    def hit(self) -> bool:
        """Count one frame; False once the connection has spent its window."""
        now = time.monotonic()
        if now >= self.ends:
            self.ends = now + self.limit.seconds
            self.count = 0
        self.count += 1
        return self.count <= self.limit.amount
