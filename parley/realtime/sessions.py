"""Gateway sessions: the index per user and per sign-in session, IDENTIFY, RESUME, detach,
revocation, and the presence that follows sessions coming and going."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from parley import events
from parley.db import Database, emit
from parley.infra.bus import Bus, Event
from parley.kit.secrets import new_token
from parley.realtime.connection import Connection, GatewaySession
from parley.realtime.events import Close
from parley.realtime.presence import Presence
from parley.realtime.store import ReplayStore
from parley.settings import Settings
from parley.social import service as social

log = logging.getLogger("parley.gateway")


@dataclass
class SessionIndex:
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


class HubState:
    """What every part of the hub shares; `Hub` (hub.py) builds it."""

    settings: Settings
    bus: Bus
    db: Database
    instance: str
    distributed: bool
    store: ReplayStore
    presence: Presence
    index: SessionIndex
    # Sessions that missed an event while the replay store was unreachable: they must
    # never be resumed, so their buffers are dropped as soon as the store answers again.
    _stale: set[str]


class Sessions(HubState):
    """Opening, resuming, detaching and ending gateway sessions on this instance."""

    async def open(
        self,
        conn: Connection,
        user_id: int,
        auth_session_id: int,
        *,
        presence: bool,
        first: Callable[[GatewaySession], str],
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
        resumed_frame: Callable[[GatewaySession], str],
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
            await self.bus.publish(
                Event("gateway.resumed", {"session_id": session_id, "instance": self.instance})
            )
        conn.push(resumed_frame(gs))
        for offset, data in enumerate(claimed.frames):
            conn.deliver(first + offset, data.decode())
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
        gs.expires_at = time.monotonic() + self.settings.gateway_resume_seconds
        try:
            await self.store.detach(gs.id)
        except Exception:
            log.warning("gateway buffer unavailable; detach not recorded")
        await self._went(gs)
        if self.distributed:
            await self.bus.publish(
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

    # presence ------------------------------------------------------------------------------

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
            async with self.db.unit_of_work() as session:
                friends = await social.friend_ids(session, user_id)
                if friends:
                    data = events.PresenceData(user_id=user_id, status=status)
                    emit(session, events.PresenceUpdated(user_ids=tuple(friends), data=data))
        except Exception:
            log.warning("presence update failed", extra={"user_id": user_id})

    # other instances and revocations --------------------------------------------------------

    async def _on_session_revoked(self, event: Event) -> None:
        for auth_session_id in event.payload.get("session_ids") or ():
            for gs in list(self.index.by_auth.get(int(auth_session_id), ())):
                if gs.conn is not None:
                    gs.conn.close(Close.SESSION_REVOKED)
                    gs.conn.session = None
                    gs.conn = None
                    await self._went(gs)
                await self.end(gs)

    async def _on_detached(self, event: Event) -> None:
        payload = event.payload
        known = self.index.sessions.get(str(payload["session_id"]))
        if known is not None:
            return
        gs = GatewaySession(
            str(payload["session_id"]),
            int(payload["user_id"]),
            int(payload["auth_session_id"]),
            expires_at=time.monotonic() + self.settings.gateway_resume_seconds,
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
