"""Event bus: in-process by default, Redis pub/sub when several instances share the work.

Events are published after commit. Every instance (including the publisher) receives every
event exactly once through its local handlers; the publisher's own handlers run first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError

from parley.infra import redis_client
from parley.kit import metrics

log = logging.getLogger("parley.bus")

# Dispatched on this instance only, when its listener subscribes again after losing Redis:
# whatever other instances published meanwhile never reached it.
LISTENER_GAP = "bus.listener_gap"

# The pub/sub listener reads for this long at most, and pings Redis after this much silence
# (redis-py's health check).
_POLL = 1.0
_IDLE = 5.0
_RECONNECT_MAX = 2.0

# Events another instance must not miss (a missed one leaves a stale grant there until its
# session cache lapses): a failed publish is kept and retried, in order and with the same
# id, until Redis takes it. Other events are realtime only and are dropped.
MUST_ARRIVE = ("session.revoked", "keys.rotated")
_RETRY_MAX = 0.5
_MAX_PENDING = 10_000


class _ReconnectBackoff(ExponentialBackoff):
    """redis-py reconnects the listener (and subscribes again) by itself, with this backoff;
    asked for each wait, it is also where a lost Redis shows in the log."""

    def compute(self, failures: int) -> float:
        delay = super().compute(failures)
        log.warning("bus listener lost Redis; reconnecting", extra={"delay": delay})
        return delay


@dataclass(frozen=True, slots=True)
class Event:
    topic: str
    payload: dict[str, Any]
    # The same on every instance that receives the event (consumers deduplicate by it).
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


Handler = Callable[[Event], Awaitable[None]]


class Bus:
    """In-process bus: handlers run on this event loop."""

    def __init__(self) -> None:
        self._handlers: list[tuple[str, Handler]] = []

    def subscribe(self, prefix: str, handler: Handler) -> None:
        """Call `handler` for every event whose topic starts with `prefix`."""
        self._handlers.append((prefix, handler))

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, event: Event) -> None:
        await self._dispatch(event)

    async def _dispatch(self, event: Event) -> None:
        for prefix, handler in self._handlers:
            if event.topic.startswith(prefix):
                try:
                    await handler(event)
                except Exception:
                    log.exception("bus handler failed", extra={"topic": event.topic})


class RedisBus(Bus):
    """Redis pub/sub. The listener reconnects by itself after Redis comes back."""

    def __init__(self, url: str, prefix: str) -> None:
        super().__init__()
        name = f"{prefix}:bus".replace(" ", "_")
        self._redis = redis_client.connect(url, name=name)
        self._listener = redis_client.connect(
            url,
            name=name,
            retry=Retry(_ReconnectBackoff(cap=_RECONNECT_MAX, base=0.05), retries=-1),
            health_check_interval=_IDLE,
        )
        self._publish_retry = Retry(
            ExponentialBackoff(cap=_RETRY_MAX, base=0.025),
            retries=-1,
            supported_errors=(RedisError,),
        )
        self._breaker = redis_client.Breaker()
        self._channel = f"{prefix}:events"
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._origin = uuid.uuid4().hex
        self._stopping = False
        self._pending: deque[bytes] = deque(maxlen=_MAX_PENDING)
        self._retrying: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="parley-bus-listener")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout=5)

    async def stop(self) -> None:
        # The flag as well as the cancel: redis-py turns a cancel that lands as a read
        # times out into "no message" (asyncio.timeout on 3.11), which would leave the
        # listener polling forever and this await hanging.
        self._stopping = True
        for task in (self._task, self._retrying):
            if task:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._redis.aclose()
        await self._listener.aclose()

    async def publish(self, event: Event) -> None:
        # Local handlers run at once (a revocation must bite on this instance before the
        # response is sent); other instances get it through Redis and skip their own.
        await self._dispatch(event)
        data = orjson.dumps(
            {
                "topic": event.topic,
                "payload": event.payload,
                "origin": self._origin,
                "id": event.id,
            }
        )
        must_arrive = event.topic.startswith(MUST_ARRIVE)
        if must_arrive and self._pending:
            self._pending.append(data)  # behind the ones still waiting, in order
            return
        try:
            async with self._breaker():
                await self._redis.publish(self._channel, data)
        except (RedisError, OSError):
            metrics.bus_publish_failed(kept=must_arrive)
            if not must_arrive:
                # Persisted state is the source of truth; realtime lags until Redis is back.
                log.warning("bus publish failed; event dropped", extra={"topic": event.topic})
                return
            log.warning("bus publish failed; retrying", extra={"topic": event.topic})
            self._pending.append(data)
            if self._retrying is None:
                self._retrying = asyncio.create_task(self._retry(), name="parley-bus-retry")

    async def _retry(self) -> None:
        """Publish the kept events until Redis takes them. Not through the breaker: this
        one task may wait the full timeout, so the first attempt after a stall ends is the
        one that gets through (within `_RETRY_MAX` of Redis answering again)."""
        try:
            while self._pending and not self._stopping:
                await self._publish_retry.call_with_retry(
                    lambda: self._redis.publish(self._channel, self._pending[0]),
                    self._unless_stopping,
                )
                self._pending.popleft()
                if not self._pending:
                    log.info("bus publish retried; delivered")
        except RedisError:
            pass  # stopping (`_unless_stopping`): what is left is dropped
        finally:
            self._retrying = None

    async def _unless_stopping(self, error: Exception) -> None:
        if self._stopping:
            raise error

    async def _listen(self) -> None:
        while not self._stopping:
            try:
                async with self._listener.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    await self._receive(pubsub)
            except asyncio.CancelledError:
                raise
            except Exception:  # not a lost connection (redis-py retries those): start over
                log.exception("bus listener failed; subscribing again")
                await asyncio.sleep(_RECONNECT_MAX)

    async def _receive(self, pubsub: PubSub) -> None:
        """Dispatch what arrives. A confirmation of the subscription after the first means
        the listener reconnected: whatever was published meanwhile never reached it.

        Reads wait `_POLL` seconds at most (an idle channel is not an error); a PING left
        unanswered (a hung Redis, a dead connection) ends the connection (`_unanswered`).
        """
        loop = asyncio.get_running_loop()
        pinged: float | None = None
        while not self._stopping:
            message = await pubsub.get_message(timeout=_POLL)
            if message is None:
                pinged = await self._unanswered(pubsub, pinged, loop.time())
            elif message["type"] == "subscribe":
                if self._ready.is_set():
                    metrics.BUS_RECONNECTS.inc()
                    await self._dispatch(Event(LISTENER_GAP, {}))
                self._ready.set()
            elif message["type"] == "message":
                await self._receive_one(message["data"])

    async def _unanswered(self, pubsub: PubSub, pinged: float | None, now: float) -> float | None:
        """redis-py's health check sends the PING but never asks for its answer: once one is
        due (`next_health_check` passed, nothing read since), the connection is dropped if
        nothing arrives within the Redis timeout; redis-py then reconnects."""
        connection = pubsub.connection
        if connection is None or now <= connection.next_health_check:
            return None
        if pinged is None:
            return now  # sent by the next read at the latest
        if now - pinged > redis_client.TIMEOUT:
            log.warning("bus listener lost Redis: no answer to a PING; reconnecting")
            await connection.disconnect(nowait=True)
            return None
        return pinged

    async def _receive_one(self, raw: bytes) -> None:
        data = orjson.loads(raw)
        if data.get("origin") == self._origin:
            return
        event_id = data.get("id") or uuid.uuid4().hex
        await self._dispatch(Event(data["topic"], data["payload"], event_id))


def make_bus(redis_url: str | None, prefix: str) -> Bus:
    return RedisBus(redis_url, prefix) if redis_url else Bus()
