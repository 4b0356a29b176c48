"""One websocket and the gateway session it serves: frames go out through one writer task."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from dataclasses import dataclass

from starlette.websockets import WebSocket

from parley.kit import metrics
from parley.realtime.events import Close

# Out-of-order frames a connection holds while a resume completes, and queued frames a client
# may leave unread before it is closed as a slow consumer.
_MAX_HELD = 1000
_MAX_QUEUED = 1000


class Connection:
    """One websocket. Frames go out through a single writer task, in the order queued."""

    __slots__ = (
        "_queue",
        "_wake",
        "_writer",
        "closed",
        "held",
        "next_seq",
        "paused",
        "session",
        "ws",
    )

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self.session: GatewaySession | None = None
        self.next_seq = 1
        self.held: dict[int, bytes] = {}
        self.paused = False
        self.closed = False
        self._queue: deque[bytes | int] = deque()
        self._wake = asyncio.Event()
        self._writer = asyncio.create_task(self._write())
        metrics.GATEWAY_CONNECTIONS.inc()
        self._writer.add_done_callback(lambda _: metrics.GATEWAY_CONNECTIONS.dec())

    def push(self, data: bytes) -> None:
        if self.closed:
            return
        if len(self._queue) >= _MAX_QUEUED:
            self.close(Close.SLOW_CONSUMER)
            return
        self._queue.append(data)
        self._wake.set()

    def deliver(self, seq: int, data: bytes) -> None:
        """Send dispatch `seq` once every earlier one has been sent; drop repeats."""
        if seq < self.next_seq:
            return
        self.held[seq] = data
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
        if code == Close.SLOW_CONSUMER:
            self._queue.clear()
        self._queue.append(int(code))
        self.closed = True
        self._wake.set()

    async def finish(self) -> None:
        """Wait (up to a second) for the writer to send what is queued and the close frame."""
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(self._writer), 1.0)
        self._writer.cancel()

    async def _write(self) -> None:
        try:
            while True:
                while not self._queue:
                    self._wake.clear()
                    await self._wake.wait()
                item = self._queue.popleft()
                if isinstance(item, int):
                    await self.ws.close(item)
                    return
                await self.ws.send_text(item.decode())
        except Exception:  # the peer went away; the reader notices and cleans up
            self.closed = True


@dataclass(eq=False, slots=True)
class GatewaySession:
    id: str
    user_id: int
    auth_session_id: int
    presence: bool = True
    conn: Connection | None = None
    expires_at: float | None = None  # set while detached
