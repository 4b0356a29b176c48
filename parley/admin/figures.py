"""Live figures from what the process already counts: sends per second from the request
counter (`parley.kit.metrics.REQUESTS`), connected sockets from this instance's gateway
hub, and live sessions from one count query shared by every caller for a few seconds."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from parley.kit.metrics import REQUESTS

if TYPE_CHECKING:
    from parley.realtime.hub import Hub

# The routes that post a message: native, Whisper and DiscordApi.
_SEND_ROUTE = re.compile(r"/(messages|add-message)/?(\{[a-z_]+\})?/?$")
CACHE_SECONDS = 5.0


@dataclass
class _Sample:
    at: float
    sends: float


@dataclass
class _Cached:
    at: float
    value: int


_last_sample: _Sample | None = None
_last_rate = 0.0
_live_sessions: _Cached | None = None


def sends_total() -> float:
    """Successful message posts answered by this process since it started."""
    total = 0.0
    for family in REQUESTS.collect():
        for sample in family.samples:
            if not sample.name.endswith("_total"):
                continue
            labels = sample.labels
            if (
                labels.get("method") == "POST"
                and labels.get("status", "").startswith("2")
                and _SEND_ROUTE.search(labels.get("route", ""))
            ):
                total += sample.value
    return total


def sends_per_second() -> float:
    """The rate over the time since the previous sample (the console polls every few
    seconds); 0 until there are two samples a second or more apart."""
    global _last_sample, _last_rate
    now, total = time.monotonic(), sends_total()
    previous = _last_sample
    if previous is not None and now - previous.at < 1.0:
        return _last_rate
    _last_sample = _Sample(now, total)
    if previous is not None:
        _last_rate = round(max(total - previous.sends, 0.0) / (now - previous.at), 2)
    return _last_rate


def cached_live_sessions() -> int | None:
    if _live_sessions is not None and time.monotonic() - _live_sessions.at < CACHE_SECONDS:
        return _live_sessions.value
    return None


def remember_live_sessions(value: int) -> None:
    global _live_sessions
    _live_sessions = _Cached(time.monotonic(), value)


def connected_sockets(hub: Hub) -> int:
    """Gateway sessions of this instance with a socket attached (not those awaiting RESUME)."""
    return sum(1 for gs in hub.index.sessions.values() if gs.conn is not None)
