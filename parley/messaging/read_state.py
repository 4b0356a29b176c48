"""Read markers: how far each member has read, and the cap on the unread counts shown."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from parley import events
from parley.db import emit
from parley.messaging import repository
from parley.messaging.errors import MessageNotFound
from parley.messaging.service import member_channel
from parley.models import ChannelMember

UNREAD_CAP = 1000  # unread counts stop at this (clients show "999+")


async def mark_read(
    session: AsyncSession, user_id: int, channel_id: int, message_id: int, *, session_id: int | None
) -> ChannelMember:
    """Set the caller's read marker; the caller's other devices hear of it."""
    _, member = await member_channel(session, user_id, channel_id)
    if await repository.get_message(session, channel_id, message_id) is None:
        raise MessageNotFound()
    await repository.set_last_read(session, channel_id, user_id, message_id)
    member.last_read_message_id = message_id
    data = events.ReadStateData(
        channel_id=channel_id, last_read_message_id=message_id, session_id=session_id
    )
    emit(session, events.ReadStateUpdated(user_ids=(user_id,), data=data))
    return member
