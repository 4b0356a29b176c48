"""Mail that leaves only after the request's unit of work commits."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session as SyncSession

from parley.infra.mailer import Mailer

log = logging.getLogger("parley.mail")

_PENDING = "parley.mail"
_tasks: set[asyncio.Task[None]] = set()


def send_after_commit(
    session: AsyncSession, mailer: Mailer, to: str, subject: str, body: str
) -> None:
    """Queue a message; it is delivered in the background once the session commits.

    Delivery runs off the request, so a reply never waits on SMTP (and its timing cannot
    tell whether an address is registered); a rollback drops the message.
    """
    run_after_commit(session, lambda: _deliver(mailer, to, subject, body))


def run_after_commit(session: AsyncSession, work: Callable[[], Awaitable[None]]) -> None:
    """Start `work()` as a background task once the session commits (dropped on rollback).
    `work` handles its own errors; `drain()` waits for it."""
    pending: list[Callable[[], Awaitable[None]]] | None = session.info.get(_PENDING)
    if pending is None:
        pending = []
        session.info[_PENDING] = pending
        event.listen(session.sync_session, "after_commit", _flush, once=True)
        event.listen(session.sync_session, "after_rollback", _drop, once=True)
    pending.append(work)


def _flush(sync_session: SyncSession) -> None:
    pending = sync_session.info.pop(_PENDING, [])
    loop = asyncio.get_running_loop()
    for work in pending:
        task = loop.create_task(_run(work))
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)


async def _run(work: Callable[[], Awaitable[None]]) -> None:
    await work()


def _drop(sync_session: SyncSession) -> None:
    sync_session.info.pop(_PENDING, None)


async def _deliver(mailer: Mailer, to: str, subject: str, body: str) -> None:
    try:
        await mailer.send(to, subject, body)
    except Exception:
        log.exception("mail delivery failed")


async def drain() -> None:
    """Wait for queued deliveries (CLI exits, tests)."""
    while _tasks:
        await asyncio.gather(*list(_tasks), return_exceptions=True)
