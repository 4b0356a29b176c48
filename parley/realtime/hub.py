"""The gateway hub: one per instance, fed every bus event. Its parts, one concern each:
`connection` (the socket writer), `sessions` (index, IDENTIFY/RESUME, presence), `fanout`
(dispatches to sessions) and `shutdown` (RECONNECT on stop, the sweeper)."""

from __future__ import annotations

import uuid

from parley.db import Database
from parley.events import SessionRevoked
from parley.infra.bus import LISTENER_GAP, Bus
from parley.realtime.events import DISPATCH_NAMES
from parley.realtime.frames import FrameLimit
from parley.realtime.presence import Presence
from parley.realtime.sessions import SessionIndex
from parley.realtime.shutdown import Shutdown
from parley.realtime.store import ReplayStore
from parley.settings import Settings

__all__ = ["Hub"]


class Hub(Shutdown):
    """Every instance runs one hub; every instance receives every bus event."""

    def __init__(
        self,
        *,
        settings: Settings,
        bus: Bus,
        db: Database,
        store: ReplayStore,
        presence: Presence,
    ) -> None:
        self.settings = settings
        self.bus = bus
        self.db = db
        self.instance = uuid.uuid4().hex
        self.distributed = bool(settings.redis_url)
        self.store = store
        self.presence = presence
        self.index = SessionIndex()
        self.frames = FrameLimit(settings.rate_gateway) if settings.rate_limits_enabled else None
        self._stale = set()
        self.closing = False
        self._sweeper = None
        self._restore_signals = []

    def subscribe(self) -> None:
        """Call before the bus starts."""
        for topic in DISPATCH_NAMES:
            self.bus.subscribe(topic, self._on_dispatch)
        self.bus.subscribe(SessionRevoked.topic, self._on_session_revoked)
        self.bus.subscribe("gateway.detached", self._on_detached)
        self.bus.subscribe("gateway.resumed", self._on_resumed)
        self.bus.subscribe(LISTENER_GAP, self._on_listener_gap)
