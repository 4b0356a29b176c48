"""The QR hub: sockets grouped by hub name, fed by `qr.updated` events from any instance.

A socket joins with a listener; every `qr.updated` event for that hub (published by
`parley.identity.qr.service` on whichever instance did the work, carried by the bus) reaches every
listener of the hub on this instance. With Redis configured the desktop and the phone may be
connected to different instances.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from starlette.requests import HTTPConnection

from parley.identity.qr.service import TOPIC
from parley.infra.bus import Bus, Event

log = logging.getLogger("parley.qr")

# Listeners only hand the event on (to a queue): they run inside whichever task published it.
Listener = Callable[[dict[str, Any]], None]


class QrHub:
    def __init__(self, bus: Bus) -> None:
        self._members: dict[str, set[Listener]] = defaultdict(set)
        bus.subscribe(TOPIC, self._on_event)

    @asynccontextmanager
    async def join(self, hub: str, listener: Listener) -> AsyncIterator[None]:
        """Receive the hub's events while inside the block."""
        self._members[hub].add(listener)
        try:
            yield
        finally:
            members = self._members.get(hub)
            if members is not None:
                members.discard(listener)
                if not members:
                    del self._members[hub]

    def size(self, hub: str) -> int:
        return len(self._members.get(hub, ()))

    async def _on_event(self, event: Event) -> None:
        hub = str(event.payload.get("hub", ""))
        data = event.payload.get("data") or {}
        for listener in list(self._members.get(hub, ())):
            try:
                listener(dict(data))
            except Exception:
                log.warning("qr hub listener failed", exc_info=True)


def get_hub(conn: HTTPConnection) -> QrHub:
    """This instance's hub, created (and subscribed to the bus) on first use."""
    state = conn.app.state
    hub: QrHub | None = getattr(state, "qr_hub", None)
    if hub is None:
        hub = QrHub(state.runtime.bus)
        state.qr_hub = hub
    return hub
