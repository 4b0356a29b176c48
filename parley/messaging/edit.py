"""The author edits a message; the channel hears the new text."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from parley import events
from parley.db import emit
from parley.kit.time import utc_now
from parley.messaging.errors import NotAuthor
from parley.messaging.history import MessageView, views
from parley.messaging.payloads import message_data
from parley.messaging.service import live_message, recipients
from parley.messaging.validation import check_content
from parley.settings import Settings


async def edit_message(
    session: AsyncSession,
    settings: Settings,
    user_id: int,
    channel_id: int,
    message_id: int,
    content: str,
) -> MessageView:
    """The edited message with its reactions and attachments as the author sees them."""
    channel, message = await live_message(session, user_id, channel_id, message_id)
    if message.author_id != user_id:
        raise NotAuthor()
    audience = await recipients(session, channel, user_id)  # a DM block stops edits too
    message.content = check_content(channel, content, settings)
    message.edited_at = utc_now()
    await session.flush()
    emit(session, events.MessageUpdated(user_ids=tuple(audience), data=message_data(message)))
    return (await views(session, user_id, [message]))[0]
