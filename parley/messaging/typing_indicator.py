"""Typing notices, told to the channel's other members who may hear the author."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from parley import events
from parley.db import emit
from parley.kit.time import utc_now
from parley.messaging.service import member_channel, recipients


async def start_typing(session: AsyncSession, user_id: int, channel_id: int) -> None:
    channel, _ = await member_channel(session, user_id, channel_id)
    others = [uid for uid in await recipients(session, channel, user_id) if uid != user_id]
    data = events.TypingData(
        channel_id=channel_id, user_id=user_id, timestamp=int(utc_now().timestamp())
    )
    emit(session, events.TypingStarted(user_ids=tuple(others), data=data))
