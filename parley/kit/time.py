"""One clock for the whole process, so tests can move time."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset)

    def timestamp(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def reset(self) -> None:
        self.offset = 0.0


clock = Clock()


def utc_now() -> datetime:
    return clock.now()


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; they are UTC by construction."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
