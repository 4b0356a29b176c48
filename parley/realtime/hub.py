"""Connections per user and per sign-in session, and the fan-out of bus events to them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from starlette.websockets import WebSocket

from parley.db import emit
from parley.infra.bus import LISTENER_GAP, Event
from parley.kit.secrets import new_token
from parley.realtime.events import DISPATCH_NAMES, Close, Op, dispatch_prefix, finish, frame
from parley.realtime.presence import MemoryPresence, Presence, RedisPresence
from parley.realtime.store import (
    Append,
    MemoryReplayStore,
    RedisReplayStore,
    ReplayStore,
)
from parley.runtime import Runtime
from parley.social import service as social

log = logging.getLogger("parley.gateway")

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


@dataclass
class _Index:
    sessions: dict[str, GatewaySession] = field(default_factory=dict)
    by_user: dict[int, set[GatewaySession]] = field(default_factory=dict)
    by_auth: dict[int, set[GatewaySession]] = field(default_factory=dict)

    def add(self, gs: GatewaySession) -> None:
        self.sessions[gs.id] = gs
        self.by_user.setdefault(gs.user_id, set()).add(gs)
        self.by_auth.setdefault(gs.auth_session_id, set()).add(gs)

    def remove(self, gs: GatewaySession) -> None:
        if self.sessions.get(gs.id) is gs:
            del self.sessions[gs.id]
        for index, key in ((self.by_user, gs.user_id), (self.by_auth, gs.auth_session_id)):
            members = index.get(key)
            if members is not None:
                members.discard(gs)
                if not members:
                    del index[key]


class Hub:
    """Every instance runs one hub; every instance receives every bus event."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        settings = rt.settings
        self.instance = uuid.uuid4().hex
        self.distributed = bool(settings.redis_url)
        self.store: ReplayStore
        if settings.redis_url:
            self.store = RedisReplayStore(
                settings.redis_url,
                settings.redis_prefix,
                settings.gateway_buffer_size,
                settings.gateway_resume_seconds,
            )
        else:
            self.store = MemoryReplayStore(
                settings.gateway_buffer_size, settings.gateway_resume_seconds
            )
        self.presence: Presence
        if settings.redis_url:
            lease = 3 * settings.gateway_heartbeat_ms / 1000
            self.presence = RedisPresence(settings.redis_url, settings.redis_prefix, lease)
        else:
            self.presence = MemoryPresence()
        self.index = _Index()
        # Sessions that missed an event while the replay store was unreachable: they must
        # never be resumed, so their buffers are dropped as soon as the store answers again.
        self._stale: set[str] = set()
        self.closing = False
        self._sweeper: asyncio.Task[None] | None = None
        self._restore_signals: list[tuple[int, Any]] = []

    # lifecycle -------------------------------------------------------------------------

    def subscribe(self) -> None:
        """Call before the bus starts."""
        for topic in DISPATCH_NAMES:
            self.rt.bus.subscribe(topic, self._on_dispatch)
        self.rt.bus.subscribe("session.revoked", self._on_session_revoked)
        self.rt.bus.subscribe("gateway.detached", self._on_detached)
        self.rt.bus.subscribe("gateway.resumed", self._on_resumed)
        self.rt.bus.subscribe(LISTENER_GAP, self._on_listener_gap)

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

    # sessions --------------------------------------------------------------------------

    async def open(
        self,
        conn: Connection,
        user_id: int,
        auth_session_id: int,
        *,
        presence: bool,
        first: Callable[[GatewaySession], bytes],
    ) -> GatewaySession:
        """A new session for `conn`; `first(session)` is queued before any event."""
        gs = GatewaySession(new_token(16), user_id, auth_session_id, presence, conn)
        await self.store.create(gs.id, user_id, presence=presence)
        conn.push(first(gs))
        conn.session = gs
        conn.next_seq = 1
        self.index.add(gs)
        await self._came(gs)
        return gs

    async def resume(
        self,
        conn: Connection,
        user_id: int,
        auth_session_id: int,
        session_id: str,
        seq: int,
        resumed_frame: Callable[[GatewaySession], bytes],
    ) -> GatewaySession | None:
        """Attach `conn` to a known session and replay every event after `seq`.

        None when the session is unknown, someone else's, or its buffer no longer holds
        `seq + 1` (the client must IDENTIFY again and refetch).
        """
        previous = self.index.sessions.get(session_id)
        if previous is not None and previous.user_id != user_id:
            return None
        gs = GatewaySession(session_id, user_id, auth_session_id, conn=conn)
        conn.next_seq = seq + 1
        conn.paused = True  # events arriving during the claim are held until the replay
        if previous is not None:
            self.index.remove(previous)
            if previous.conn is not None:
                previous.conn.close(Close.SESSION_REPLACED)
                previous.conn.session = None
                previous.conn = None
        self.index.add(gs)
        conn.session = gs
        claimed = None if session_id in self._stale else await self.store.claim(session_id)
        first = claimed.seq - len(claimed.frames) + 1 if claimed else 0
        if claimed is None or claimed.user_id != user_id or not first - 1 <= seq <= claimed.seq:
            self.index.remove(gs)
            conn.session = None
            conn.paused = False
            conn.held.clear()
            if claimed is not None and claimed.user_id == user_id:
                await self.store.drop(session_id)  # its buffer can never be trusted again
            return None
        if self.distributed:
            await self.rt.bus.publish(
                Event("gateway.resumed", {"session_id": session_id, "instance": self.instance})
            )
        conn.push(resumed_frame(gs))
        for offset, data in enumerate(claimed.frames):
            conn.deliver(first + offset, data)
        conn.paused = False
        conn.flush()
        gs.presence = claimed.presence
        await self._came(gs)
        return gs

    async def detach(self, gs: GatewaySession, conn: Connection) -> None:
        """The socket is gone but the session stays resumable for the resume window."""
        if gs.conn is not conn:
            return
        gs.conn = None
        conn.session = None
        gs.expires_at = time.monotonic() + self.rt.settings.gateway_resume_seconds
        try:
            await self.store.detach(gs.id)
        except Exception:
            log.warning("gateway buffer unavailable; detach not recorded")
        await self._went(gs)
        if self.distributed:
            await self.rt.bus.publish(
                Event(
                    "gateway.detached",
                    {
                        "session_id": gs.id,
                        "user_id": gs.user_id,
                        "auth_session_id": gs.auth_session_id,
                    },
                )
            )

    async def end(self, gs: GatewaySession) -> None:
        """The session can never be resumed (its sign-in session was revoked)."""
        self.index.remove(gs)
        await self.store.drop(gs.id)

    async def heartbeat(self, gs: GatewaySession) -> None:
        if gs.presence:
            try:
                await self.presence.refresh(gs.user_id, gs.id)
            except Exception:
                # Presence is best effort: an outage of its store never drops the socket.
                log.warning("presence store unavailable; lease not refreshed")

    # presence --------------------------------------------------------------------------

    async def _came(self, gs: GatewaySession) -> None:
        if gs.presence and await self._presence_changed(self.presence.connected, gs):
            await self._announce(gs.user_id, "online")

    async def _went(self, gs: GatewaySession) -> None:
        if gs.presence and await self._presence_changed(self.presence.disconnected, gs):
            await self._announce(gs.user_id, "offline")

    async def _presence_changed(
        self, change: Callable[[int, str], Awaitable[bool]], gs: GatewaySession
    ) -> bool:
        try:
            return await change(gs.user_id, gs.id)
        except Exception:
            log.warning("presence store unavailable; no presence update")
            return False

    async def _announce(self, user_id: int, status: str) -> None:
        """`presence.updated` to the user's friends (blocking ends a friendship)."""
        try:
            async with self.rt.db.unit_of_work() as session:
                friends = await social.friend_ids(session, user_id)
                if friends:
                    data = {"user_id": user_id, "status": status}
                    emit(session, "presence.updated", {"user_ids": friends, "data": data})
        except Exception:
            log.warning("presence update failed", extra={"user_id": user_id})

    # bus handlers ----------------------------------------------------------------------

    async def _on_dispatch(self, event: Event) -> None:
        name = DISPATCH_NAMES.get(event.topic)
        if name is None:
            return
        targets = list(self._sessions_of(event.payload.get("user_ids") or ()))
        if not targets:
            return
        prefix = dispatch_prefix(name, event.payload.get("data"))
        items = [Append(gs.id, event.id, prefix) for gs in targets]
        attached = any(gs.conn is not None for gs in targets)
        try:
            seqs = await self.store.append(items, attached=attached)
        except Exception:
            log.warning("gateway buffer unavailable; sessions must refetch", extra={"t": name})
            for gs in targets:
                self._lost(gs)
            return
        for gs, seq in zip(targets, seqs, strict=True):
            if seq < 0:
                # The buffer is gone (expired, or the store restarted empty): the client
                # missed this event and can only catch up by identifying again.
                self._lost(gs)
                continue
            if gs.conn is not None:
                gs.conn.deliver(seq, finish(prefix, seq))

    def _lost(self, gs: GatewaySession) -> None:
        """`gs` missed an event: INVALID_SESSION tells its socket to IDENTIFY again and refetch."""
        self.index.remove(gs)
        self._stale.add(gs.id)
        conn = gs.conn
        if conn is not None:
            gs.conn = None
            conn.session = None
            conn.push(frame(Op.INVALID_SESSION, False))

    async def _drop_stale(self) -> None:
        for session_id in list(self._stale):
            try:
                await self.store.drop(session_id)
            except Exception:
                return  # still unreachable; next sweep
            self._stale.discard(session_id)

    def _sessions_of(self, user_ids: Iterable[Any]) -> Iterable[GatewaySession]:
        for user_id in user_ids:
            try:
                yield from self.index.by_user.get(int(user_id), ())
            except (TypeError, ValueError):
                continue

    async def _on_session_revoked(self, event: Event) -> None:
        for auth_session_id in event.payload.get("session_ids") or ():
            for gs in list(self.index.by_auth.get(int(auth_session_id), ())):
                if gs.conn is not None:
                    gs.conn.close(Close.SESSION_REVOKED)
                    gs.conn.session = None
                    gs.conn = None
                    await self._went(gs)
                await self.end(gs)

    async def _on_listener_gap(self, _event: Event) -> None:
        """Events published while this instance's bus listener was away never reached it,
        nor the buffers of the sessions it holds: each must IDENTIFY again and refetch."""
        lost = list(self.index.sessions.values())
        for gs in lost:
            self._lost(gs)
        if lost:
            log.warning("bus listener gap: sessions must refetch", extra={"sessions": len(lost)})

    async def _on_detached(self, event: Event) -> None:
        payload = event.payload
        known = self.index.sessions.get(str(payload["session_id"]))
        if known is not None:
            return
        gs = GatewaySession(
            str(payload["session_id"]),
            int(payload["user_id"]),
            int(payload["auth_session_id"]),
            expires_at=time.monotonic() + self.rt.settings.gateway_resume_seconds,
        )
        self.index.add(gs)

    async def _on_resumed(self, event: Event) -> None:
        if event.payload.get("instance") == self.instance:
            return
        gs = self.index.sessions.get(str(event.payload["session_id"]))
        if gs is None:
            return
        self.index.remove(gs)
        if gs.conn is not None:
            gs.conn.close(Close.SESSION_REPLACED)
            gs.conn.session = None
            gs.conn = None

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
