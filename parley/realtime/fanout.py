"""Fan-out: every bus event addressed to users reaches each of their gateway sessions once,
numbered and buffered for RESUME; a session that missed one is told to start over."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from parley.db import EMITTED_AT
from parley.infra.bus import Event
from parley.kit import metrics
from parley.realtime.connection import GatewaySession
from parley.realtime.events import DISPATCH_NAMES, Op, dispatch_prefix, finish, frame
from parley.realtime.sessions import Sessions

log = logging.getLogger("parley.gateway")


class Fanout(Sessions):
    """Dispatches to this instance's sessions, and what happens when one misses an event."""

    async def _on_dispatch(self, event: Event) -> None:
        name = DISPATCH_NAMES.get(event.topic)
        if name is None:
            return
        targets = list(self._sessions_of(event.payload.get("user_ids") or ()))
        if not targets:
            return
        prefix = dispatch_prefix(name, event.payload.get("data"))
        attached = [gs for gs in targets if gs.conn is not None]
        detached = [gs for gs in targets if gs.conn is None]
        try:
            seqs = await self.store.append(
                event.id, prefix, [gs.id for gs in attached], [gs.id for gs in detached]
            )
        except Exception:
            log.warning("gateway buffer unavailable; sessions must refetch", extra={"t": name})
            for gs in targets:
                self._lost(gs)
            return
        text = prefix.decode()
        for gs, seq in zip((*attached, *detached), seqs, strict=True):
            if seq < 0:
                # The buffer is gone (expired, or the store restarted empty): the client
                # missed this event and can only catch up by identifying again.
                self._lost(gs)
            elif gs.conn is not None:
                gs.conn.deliver(seq, finish(text, seq))
        if attached:
            metrics.dispatch_lag(event.payload.get(EMITTED_AT))

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

    async def _on_listener_gap(self, _event: Event) -> None:
        """Events published while this instance's bus listener was away never reached it,
        nor the buffers of the sessions it holds: each must IDENTIFY again and refetch."""
        lost = list(self.index.sessions.values())
        for gs in lost:
            self._lost(gs)
        if lost:
            log.warning("bus listener gap: sessions must refetch", extra={"sessions": len(lost)})
