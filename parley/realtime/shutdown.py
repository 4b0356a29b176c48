"""Shutdown and housekeeping: RECONNECT every socket on SIGTERM or lifespan stop (sessions
stay resumable elsewhere), and the sweeper that forgets expired detached sessions."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from parley.realtime.events import Close, Op, frame
from parley.realtime.fanout import Fanout
from parley.realtime.store import MemoryReplayStore


class Shutdown(Fanout):
    """Starting and stopping the hub's background work."""

    closing: bool
    _sweeper: asyncio.Task[None] | None
    _restore_signals: list[tuple[int, Any]]

    async def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep(), name="parley-gateway-sweeper")
        self._hook_signals()

    async def stop(self) -> None:
        """Lifespan shutdown: RECONNECT every socket, keep their sessions resumable."""
        await self.reconnect_all()
        for sig, handler in self._restore_signals:
            with contextlib.suppress(ValueError):
                signal.signal(sig, handler)
        if self._sweeper:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        await self.store.close()
        await self.presence.close()

    async def reconnect_all(self) -> None:
        if self.closing:
            return
        self.closing = True
        attached = [gs for gs in self.index.sessions.values() if gs.conn is not None]
        conns = []
        for gs in attached:
            conn = gs.conn
            assert conn is not None
            conn.push(frame(Op.RECONNECT))
            conn.close(Close.SERVICE_RESTART)
            conns.append(conn)
            await self.detach(gs, conn)
        await asyncio.gather(*(conn.finish() for conn in conns))
        if self.distributed and attached:
            # Events already on their way keep reaching this instance's buffers while the
            # other instances learn that these sessions are detached.
            await asyncio.sleep(0.3)

    def _hook_signals(self) -> None:
        """Send RECONNECT before the server starts closing sockets (uvicorn closes them with
        1012 before the lifespan shutdown runs)."""
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(sig)
            if getattr(previous, "__name__", "") != "handle_exit":  # uvicorn's handler only
                continue
            assert callable(previous)
            self._restore_signals.append((sig, previous))
            signal.signal(sig, self._signal_handler(loop, previous))

    def _signal_handler(
        self, loop: asyncio.AbstractEventLoop, previous: Callable[[int, FrameType | None], Any]
    ) -> Callable[[int, FrameType | None], None]:
        def handler(signum: int, frame_: FrameType | None) -> None:
            async def drain() -> None:
                try:
                    await self.reconnect_all()
                finally:
                    previous(signum, frame_)

            loop.call_soon_threadsafe(lambda: loop.create_task(drain()))

        return handler

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            for gs in list(self.index.sessions.values()):
                if gs.conn is None and gs.expires_at is not None and gs.expires_at <= now:
                    self.index.remove(gs)
            if isinstance(self.store, MemoryReplayStore):
                self.store.sweep()
            if self._stale:
                await self._drop_stale()
