"""Group commit for message sends.

Sends that arrive while a write is in flight wait for it, then share the next transaction:
one send alone costs one transaction as before, while N concurrent sends cost one
transaction of N rows instead of N transactions. Every caller still gets its answer only
after its row is committed.
"""

from __future__ import annotations

import asyncio
import time

from parley.db import Database, is_database_outage
from parley.errors import ParleyError
from parley.kit import metrics
from parley.messaging.send import Draft, send_messages
from parley.models import Message
from parley.settings import Settings

_Pending = tuple[Draft, "asyncio.Future[Message]"]


class MessageWriter:
    def __init__(self, db: Database, settings: Settings, *, max_batch: int = 128) -> None:
        self._db = db
        self._settings = settings
        self._max_batch = max_batch
        self._queue: list[_Pending] = []
        self._task: asyncio.Task[None] | None = None

    async def send(self, draft: Draft) -> Message:
        """Store `draft` (checked as `send_messages` checks it); raises its refusal."""
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._queue.append((draft, future))
        if self._task is None:
            self._task = asyncio.create_task(self._drain(), name="parley-message-writer")
        started = time.perf_counter()
        try:
            message = await future
        except ParleyError:
            metrics.message_send("refused")
            raise
        except Exception:
            metrics.message_send("failed")
            raise
        metrics.message_send("ok", time.perf_counter() - started)
        return message

    async def close(self) -> None:
        """Finish the writes already queued."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch = self._queue[: self._max_batch]
                del self._queue[: self._max_batch]
                # a caller that gave up before its turn (client gone) is not written
                live = [(draft, future) for draft, future in batch if not future.done()]
                if live:
                    metrics.SEND_BATCH.observe(len(live))
                    await self._write(live)
        finally:
            self._task = None
            for _, future in self._queue:  # only left when the writer was cancelled
                future.cancel()
            self._queue.clear()

    async def _write(self, batch: list[_Pending]) -> None:
        try:
            async with self._db.unit_of_work() as session:
                outcomes = await send_messages(
                    session, self._settings, [draft for draft, _ in batch]
                )
        except Exception as exc:
            if len(batch) == 1 or is_database_outage(exc):
                for _, future in batch:
                    _settle(future, exc)
                return
            # Nothing was committed. A value the database refuses fails the whole batch:
            # write each alone so that only its own sender sees the error.
            for pending in batch:
                await self._write([pending])
            return
        except BaseException:
            for _, future in batch:
                future.cancel()
            raise
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            _settle(future, outcome)


def _settle(future: asyncio.Future[Message], outcome: Message | BaseException) -> None:
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
