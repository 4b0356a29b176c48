"""One websocket and the gateway session it serves: frames go out in order, through a writer
task that exists only while frames are waiting (an idle socket holds no task and no queue)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from dataclasses import dataclass

from starlette.websockets import WebSocket

from parley.realtime.events import Close

# Out-of-order frames a connection holds while a resume completes, and queued frames a client
# may leave unread before it is closed as a slow consumer.
_MAX_HELD = 1000
_MAX_QUEUED = 1000


class Connection:
    """One websocket. Frames go out in the order queued; a close code ends the queue."""

    __slots__ = ("_queue", "_writer", "closed", "held", "next_seq", "paused", "session", "ws")

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self.session: GatewaySession | None = None
        self.next_seq = 1
        self.held: dict[int, str] = {}
        self.paused = False
        self.closed = False
        self._queue: deque[str | int] | None = None
        self._writer: asyncio.Task[None] | None = None

    def push(self, text: str) -> None:
        if self.closed:
            return
        if self._queue is not None and len(self._queue) >= _MAX_QUEUED:
            self.close(Close.SLOW_CONSUMER)
            return
        self._enqueue(text)

    def deliver(self, seq: int, text: str) -> None:
        """Send dispatch `seq` once every earlier one has been sent; drop repeats."""
        if seq < self.next_seq:
            return
        if seq == self.next_seq and not self.paused and not self.held:
            self.next_seq += 1
            self.push(text)
            return
        self.held[seq] = text
        if len(self.held) > _MAX_HELD:  # a gap that will never fill: skip it
            self.next_seq = min(self.held)
        self.flush()

    def flush(self) -> None:
        if self.paused:
            return
        while self.next_seq in self.held:
            self.push(self.held.pop(self.next_seq))
            self.next_seq += 1

    def close(self, code: int) -> None:
        if self.closed:
            return
        if code == Close.SLOW_CONSUMER and self._queue is not None:
            self._queue.clear()
        self._enqueue(int(code))
        self.closed = True

    async def finish(self) -> None:
        """Wait (up to a second) for the writer to send what is queued and the close frame."""
        writer = self._writer
        if writer is None:
            return
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(writer), 1.0)
        writer.cancel()

    def _enqueue(self, item: str | int) -> None:
        if self._queue is None:
            self._queue = deque()
        self._queue.append(item)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write(self._queue))

    async def _write(self, queue: deque[str | int]) -> None:
        try:
            while queue:
                item = queue.popleft()
                if isinstance(item, int):
                    await self.ws.close(item)
                    return
                await self.ws.send_text(item)
        except Exception:  # the peer went away; the reader notices and cleans up
            self.closed = True
        finally:
            self._writer = None
            self._queue = None


@dataclass(eq=False, slots=True)
class GatewaySession:
    id: str
    user_id: int
    auth_session_id: int
    presence: bool = True
    conn: Connection | None = None
    expires_at: float | None = None  # set while detached
