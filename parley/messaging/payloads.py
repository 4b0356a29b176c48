"""Channels and messages as REST answers and bus events carry them. `message_fields` is the
one definition of a message on the wire: MessageRead (REST, with reactions and attachments)
and events.MessageData (without) are its shapes. Pages are built as plain dicts and encoded
once (`json_bytes`): no model is validated or dumped per message."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson
from pydantic_core import to_jsonable_python

from parley import events
from parley.messaging.history_repository import MessageRow
from parley.messaging.uploads import attachment_data
from parley.models import Channel, Message

if TYPE_CHECKING:
    from parley.messaging.history import HistoryPage, MessageView
    from parley.messaging.search import SearchPage


def message_fields(message: Message | MessageRow) -> dict[str, Any]:
    """A message without reactions and attachments, in MessageRead's field order; datetimes
    stay datetimes (encoded as pydantic encodes them: ISO 8601, UTC as Z)."""
    return {
        "id": message.id,
        "channel_id": message.channel_id,
        "author_id": message.author_id,
        "content": message.content,
        "reply_to_id": message.reply_to_id,
        "created_at": message.created_at,
        "edited_at": message.edited_at,
        "deleted_at": message.deleted_at,
        "mention_ids": message.mention_ids or [],
        "mention_everyone": message.mention_everyone,
    }


def message_payload(view: MessageView) -> dict[str, Any]:
    """A message as REST shows it (MessageRead): with the viewer's reactions and its files."""
    fields = message_fields(view.message)
    fields["reactions"] = [{"emoji": r.emoji, "count": r.count, "me": r.me} for r in view.reactions]
    fields["attachments"] = [attachment_data(a) for a in view.attachments]
    return fields


def history_page(page: HistoryPage) -> dict[str, Any]:
    """The MessagesPage of REST."""
    return {
        "items": [message_payload(view) for view in page.items],
        "next_before": page.next_before,
        "next_after": page.next_after,
    }


def search_page(page: SearchPage) -> dict[str, Any]:
    """The SearchPage of REST."""
    return {
        "items": [
            {"message": message_payload(hit.view), "highlight": hit.highlight} for hit in page.items
        ],
        "next_cursor": page.next_cursor,
    }


def json_bytes(content: Any) -> bytes:
    """`content` as JSON, datetimes as pydantic's JSON mode writes them."""
    return orjson.dumps(content, option=orjson.OPT_UTC_Z)


def message_data(message: Message | MessageRow) -> events.MessageData:
    """A message in events: reactions are not in it (their `me` differs per member) but
    follow in MESSAGE_REACTION_ADD / _REMOVE; MESSAGE_CREATE adds the attachments."""
    return events.MessageData.model_validate(to_jsonable_python(message_fields(message)))


def channel_data(channel: Channel, member_ids: Sequence[int]) -> events.ChannelData:
    return events.ChannelData(
        id=channel.id,
        kind=channel.kind,
        name=channel.name,
        owner_id=channel.owner_id,
        encrypted=channel.encrypted,
        member_ids=tuple(member_ids),
    )
