"""Redis clients with a bounded wait.

A hung Redis (a stopped process, a network that drops packets) must not hold a request: every
command, and every connection attempt, gives up after `TIMEOUT` seconds with
`redis.exceptions.TimeoutError` (a `RedisError`), and each caller's fallback for an unreachable
Redis applies (see README "Failure behaviour").
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

TIMEOUT = 1.5
# After a timeout, a client does not wait on Redis again for this long.
PAUSE = 3.0


def connect(
    url: str,
    *,
    name: str | None = None,
    retry: Retry | None = None,
    health_check_interval: float = 0,
) -> aioredis.Redis:
    """A client with the bounded wait; `name` shows in Redis's CLIENT LIST. `retry` replaces
    redis-py's default reconnect policy; `health_check_interval` PINGs an idle connection."""
    options: dict[str, Any] = {"retry": retry} if retry else {}
    return aioredis.Redis.from_url(
        url,
        socket_timeout=TIMEOUT,
        socket_connect_timeout=TIMEOUT,
        client_name=name,
        health_check_interval=health_check_interval,
        **options,
    )


class Breaker:
    """Once a call timed out, calls fail at once (`ConnectionError`) for `PAUSE` seconds.

    Without it a hung Redis would cost the full timeout to every caller in a queue (each
    event of a group commit, each socket of a drain), not only to the first one.
    """

    def __init__(self) -> None:
        self._until = 0.0

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        if time.monotonic() < self._until:
            raise RedisConnectionError("Redis timed out a moment ago; not waiting again yet")
        try:
            yield
        except (RedisTimeoutError, TimeoutError):
            self._until = time.monotonic() + PAUSE
            raise
