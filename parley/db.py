"""Engine, sessions and the request-scoped unit of work."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from parley.errors import ParleyError
from parley.events import BusEvent
from parley.infra.bus import Bus, Event
from parley.kit.files import private_sqlite_file

OUTBOX_KEY = "parley.outbox"
# Wall-clock time an event was emitted, added to its payload (the gateway's dispatch lag).
EMITTED_AT = "emitted_at"


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    if url.startswith("sqlite"):
        private_sqlite_file(url)
        # hide_parameters: no bound value (password hashes, token hashes) in any log or error
        engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size * 2,
        pool_recycle=1800,
        hide_parameters=True,
    )


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    def __init__(self, url: str, bus: Bus) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        self.bus = bus

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """A session that commits on success, rolls back on error, then publishes its events."""
        async with self.sessionmaker() as session:
            try:
                yield session
                await session.commit()
            except ParleyError as exc:
                if not exc.commit_anyway:
                    await session.rollback()
                    raise
                await session.commit()
                await self._publish(session.info.pop(OUTBOX_KEY, []))
                raise
            except BaseException:
                await session.rollback()
                raise
            events: list[Event] = session.info.pop(OUTBOX_KEY, [])
        await self._publish(events)

    async def _publish(self, events: list[Event]) -> None:
        for item in events:
            await self.bus.publish(item)

    async def dispose(self) -> None:
        await self.engine.dispose()


def emit(session: AsyncSession, event: BusEvent) -> None:
    """Queue an event that goes out on the bus (as its topic and JSON) only after the
    session commits."""
    payload = event.model_dump(mode="json")
    payload[EMITTED_AT] = time.time()
    session.info.setdefault(OUTBOX_KEY, []).append(Event(event.topic, payload))


def is_database_outage(exc: BaseException) -> bool:
    """The database is unreachable or failing: not the request's fault (503, try again)."""
    if isinstance(exc, PoolTimeout | ConnectionError | OSError):
        return True
    if isinstance(exc, OperationalError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


# PostgreSQL aborted the transaction to let a concurrent one through: serialization_failure,
# deadlock_detected. Nothing was committed, so the whole request may simply be sent again.
TRANSIENT_CONFLICT_SQLSTATES = frozenset({"40001", "40P01"})


def is_transient_conflict(exc: BaseException) -> bool:
    """A serialization failure or deadlock: the request lost a race, not its fault (503)."""
    if not isinstance(exc, DBAPIError):
        return False
    return str(getattr(exc.orig, "sqlstate", "")) in TRANSIENT_CONFLICT_SQLSTATES
