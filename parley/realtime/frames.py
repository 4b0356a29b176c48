"""Inbound frames per connection: `limits`' fixed window, in this process's memory."""

from __future__ import annotations

import itertools

from limits import parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import FixedWindowRateLimiter


class FrameLimit:
    """One per hub; each connection counts under its own key (`connection()`)."""

    def __init__(self, limit: str) -> None:
        self.item = parse(limit)
        self.limiter = FixedWindowRateLimiter(MemoryStorage())
        self._ids = itertools.count()

    def connection(self) -> str:
        return str(next(self._ids))

    async def hit(self, key: str) -> bool:
        """Count one frame; False once the connection has spent its window."""
        return await self.limiter.hit(self.item, key)

    async def clear(self, key: str) -> None:
        await self.limiter.clear(self.item, key)
