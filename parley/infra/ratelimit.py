"""Rate limits with `limits`: memory by default, Redis when configured."""

from __future__ import annotations

import logging
import time

from limits import parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from parley.errors import RateLimited, Unavailable
from parley.infra import redis_client
from parley.kit import metrics

log = logging.getLogger("parley.ratelimit")


class RateLimiter:
    def __init__(self, redis_url: str | None, prefix: str, *, enabled: bool = True) -> None:
        self.enabled = enabled
        storage: Storage
        if redis_url:
            uri = redis_url.replace("redis://", "async+redis://", 1).replace(
                "rediss://", "async+rediss://", 1
            )
            storage = RedisStorage(
                uri,
                implementation="redispy",
                key_prefix=f"{prefix}:rl",
                socket_timeout=redis_client.TIMEOUT,
                socket_connect_timeout=redis_client.TIMEOUT,
            )
        else:
            storage = MemoryStorage()
        self._storage = storage
        self._breaker = redis_client.Breaker()
        self._limiter = MovingWindowRateLimiter(storage)

    async def hit(self, limit: str, *keys: str, fail_closed: bool = True) -> None:
        """Count one hit against `limit` for `keys`; raise RateLimited when it is spent.

        When the storage is unreachable, a limit that guards credentials fails closed
        (503) and one that guards reads fails open.
        """
        if not self.enabled:
            return
        item = parse(limit)
        try:
            async with self._breaker():
                if await self._limiter.hit(item, *keys):
                    return
                stats = await self._limiter.get_window_stats(item, *keys)
        except Exception as exc:
            log.warning("rate limit storage unavailable", extra={"limit": keys[0] if keys else ""})
            if fail_closed:
                raise Unavailable("Rate limiting is unavailable; try again shortly") from exc
            return
        metrics.rate_limited(keys[0] if keys else limit)
        retry_after = int(stats.reset_time - time.time()) + 1
        raise RateLimited(retry_after=retry_after)

    async def clear(self, limit: str, *keys: str) -> None:
        await self._limiter.clear(parse(limit), *keys)
