"""Channels and messages as the bus events carry them."""

from __future__ import annotations

from collections.abc import Sequence

from parley import events
from parley.messaging.schemas import MessageRead
from parley.models import Channel, Message


def message_data(message: Message) -> events.MessageData:
    """A message in events: the REST shape (MessageRead); reactions are not in it (their
    `me` differs per member) but follow in MESSAGE_REACTION_ADD / _REMOVE."""
    exclude = {"reactions", "attachments"}  # MESSAGE_CREATE adds the attachments
    shown = MessageRead.model_validate(message).model_dump(mode="json", exclude=exclude)
    return events.MessageData.model_validate(shown)


def channel_data(channel: Channel, member_ids: Sequence[int]) -> events.ChannelData:
    return events.ChannelData(
        id=channel.id,
        kind=channel.kind,
        name=channel.name,
        owner_id=channel.owner_id,
        encrypted=channel.encrypted,
        member_ids=tuple(member_ids),
    )
