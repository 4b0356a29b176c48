"""The gateway hub: one per instance, fed every bus event. Its parts, one concern each:
`connection` (the socket writer), `sessions` (index, IDENTIFY/RESUME, presence), `fanout`
(dispatches to sessions) and `shutdown` (RECONNECT on stop, the sweeper)."""

from __future__ import annotations

import uuid

from parley.events import SessionRevoked
from parley.infra.bus import LISTENER_GAP
from parley.realtime.events import DISPATCH_NAMES
from parley.realtime.frames import FrameLimit
from parley.realtime.presence import MemoryPresence, RedisPresence
from parley.realtime.sessions import SessionIndex
from parley.realtime.shutdown import Shutdown
from parley.realtime.store import MemoryReplayStore, RedisReplayStore
from parley.runtime import Runtime

__all__ = ["Hub"]


class Hub(Shutdown):
    """Every instance runs one hub; every instance receives every bus event."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        settings = rt.settings
        self.instance = uuid.uuid4().hex
        self.distributed = bool(settings.redis_url)
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
        if settings.redis_url:
            lease = 3 * settings.gateway_heartbeat_ms / 1000
            self.presence = RedisPresence(settings.redis_url, settings.redis_prefix, lease)
        else:
            self.presence = MemoryPresence()
        self.index = SessionIndex()
        self.frames = FrameLimit(settings.rate_gateway) if settings.rate_limits_enabled else None
        self._stale = set()
        self.closing = False
        self._sweeper = None
        self._restore_signals = []

    def subscribe(self) -> None:
        """Call before the bus starts."""
        for topic in DISPATCH_NAMES:
            self.rt.bus.subscribe(topic, self._on_dispatch)
        self.rt.bus.subscribe(SessionRevoked.topic, self._on_session_revoked)
        self.rt.bus.subscribe("gateway.detached", self._on_detached)
        self.rt.bus.subscribe("gateway.resumed", self._on_resumed)
        self.rt.bus.subscribe(LISTENER_GAP, self._on_listener_gap)
