"""Mail that leaves only after the request's unit of work commits."""

from __future__ import annotations

import asyncio
import logging

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
    pending: list[tuple[Mailer, str, str, str]] | None = session.info.get(_PENDING)
    if pending is None:
        pending = []
        session.info[_PENDING] = pending
        event.listen(session.sync_session, "after_commit", _flush, once=True)
        event.listen(session.sync_session, "after_rollback", _drop, once=True)
    pending.append((mailer, to, subject, body))


def _flush(sync_session: SyncSession) -> None:
    pending = sync_session.info.pop(_PENDING, [])
    loop = asyncio.get_running_loop()
    for mailer, to, subject, body in pending:
        task = loop.create_task(_deliver(mailer, to, subject, body))
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)


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
