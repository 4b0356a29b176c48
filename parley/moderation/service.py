"""Administrators disable and re-enable accounts; members report messages to them.

Disabling revokes every session of the account (its gateway sockets close with 4011) and
every sign-in of every contract is refused with `account_disabled` until it is enabled."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import NotFound
from parley.identity.sessions import repository as users
from parley.identity.sessions import service as session_service
from parley.kit.time import utc_now
from parley.messaging import repository as messages
from parley.messaging import service as messaging
from parley.messaging.errors import MessageNotFound
from parley.models import Message, MessageReport, User
from parley.moderation import repository
from parley.moderation.errors import AlreadyReported, BadReason

MAX_REASON = 1000


@dataclass(frozen=True)
class ReportView:
    report: MessageReport
    message: Message
    reporter: User


@dataclass(frozen=True)
class ReportsPage:
    items: list[ReportView]
    next_cursor: int | None


async def find_user(session: AsyncSession, name_or_id: str) -> User:
    """A user by username, or by id when `name_or_id` is all digits and no username."""
    user = await users.get_user_by_username(session, name_or_id)
    if user is None and name_or_id.isdigit():
        user = await users.get_user(session, int(name_or_id))
    if user is None:
        raise NotFound("No such user")
    return user


async def disable_user(session: AsyncSession, user_id: int) -> User:
    """Disable (ban) an account: sessions revoked, sockets closed, sign-in refused."""
    user = await repository.set_disabled(session, user_id, utc_now())
    if user is None:
        raise NotFound("No such user")
    await session_service.revoke_all_sessions(session, user_id, "account_disabled")
    return user


async def enable_user(session: AsyncSession, user_id: int) -> User:
    user = await repository.set_disabled(session, user_id, None)
    if user is None:
        raise NotFound("No such user")
    return user


async def report_message(
    session: AsyncSession, user_id: int, channel_id: int, message_id: int, reason: str
) -> MessageReport:
    """A member reports a live message of their channel, once."""
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON or "\x00" in reason:
        raise BadReason()
    await messaging.member_channel(session, user_id, channel_id)
    message = await messages.get_message(session, channel_id, message_id)
    if message is None or message.deleted_at is not None:
        raise MessageNotFound()
    report = MessageReport(message_id=message_id, reporter_id=user_id, reason=reason)
    try:
        async with session.begin_nested():
            await repository.add_report(session, report)
    except IntegrityError as exc:
        raise AlreadyReported() from exc
    return report


async def list_reports(
    session: AsyncSession, *, before: int | None = None, limit: int = 50
) -> ReportsPage:
    rows = await repository.list_reports(session, before=before, limit=limit + 1)
    items = [ReportView(*row) for row in rows[:limit]]
    return ReportsPage(items, items[-1].report.id if len(rows) > limit else None)
