"""The membership gate every messaging action passes: a non-member gets ChannelNotFound,
whatever the channel holds; who hears of an author's activity (blocks either way keep it
from them); the owner's and the author's checks; and the two removals (a message, a group)
that `attachments` extends with the removal of their files.

The actions live one module each: channels, members, send, edit, history, read_state,
typing_indicator."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from parley import events
from parley.db import emit
from parley.kit.time import utc_now
from parley.messaging import history_repository, repository
from parley.messaging.errors import (
    ChannelNotFound,
    MessageNotFound,
    NotAuthor,
    NotChannelOwner,
    NotGroup,
)
from parley.models import Channel, ChannelMember, Message
from parley.social.errors import Blocked


async def member_channel(
    session: AsyncSession, user_id: int, channel_id: int
) -> tuple[Channel, ChannelMember]:
    found = await repository.get_membership(session, channel_id, user_id)
    if found is None:
        raise ChannelNotFound()
    return found


async def check_member(session: AsyncSession, user_id: int, channel_id: int) -> None:
    """`member_channel` for readers: the same gate, nothing loaded."""
    if not await history_repository.is_member(session, channel_id, user_id):
        raise ChannelNotFound()


async def owned_group(session: AsyncSession, user_id: int, channel_id: int) -> Channel:
    channel, _ = await member_channel(session, user_id, channel_id)
    if channel.kind != "group":
        raise NotGroup()
    if channel.owner_id != user_id:
        raise NotChannelOwner()
    return channel


async def live_message(
    session: AsyncSession, user_id: int, channel_id: int, message_id: int
) -> tuple[Channel, Message]:
    """A message that is not deleted, in a channel the caller belongs to."""
    channel, _ = await member_channel(session, user_id, channel_id)
    message = await repository.get_message(session, channel_id, message_id)
    if message is None or message.deleted_at is not None:
        raise MessageNotFound()
    return channel, message


def unblocked(members: Sequence[int], author_id: int, blocks: set[tuple[int, int]]) -> list[int]:
    """The members with no block either way with the author (the author among them)."""
    return [m for m in members if m == author_id or not {(author_id, m), (m, author_id)} & blocks]


def audience(
    channel: Channel, members: Sequence[int], author_id: int, blocks: set[tuple[int, int]]
) -> list[int]:
    """Who may receive the author's activity in the channel; a block either way in a direct
    channel stops it altogether."""
    ids = unblocked(members, author_id, blocks)
    if channel.kind == "dm" and len(ids) < 2:
        raise Blocked()
    return ids


async def recipients(session: AsyncSession, channel: Channel, author_id: int) -> list[int]:
    """Who receives the author's activity in the channel (Blocked: a direct channel with a
    block either way)."""
    members = await repository.member_ids(session, channel.id)
    blocks = await repository.blocks_involving(session, [author_id])
    return audience(channel, members, author_id, blocks)


async def delete_channel(session: AsyncSession, user_id: int, channel_id: int) -> None:
    await owned_group(session, user_id, channel_id)
    ids = await repository.member_ids(session, channel_id)
    await repository.delete_channel(session, channel_id)
    emit(session, events.ChannelDeleted(user_ids=tuple(ids), data=events.ChannelRef(id=channel_id)))


async def delete_message(
    session: AsyncSession, user_id: int, channel_id: int, message_id: int
) -> Message:
    """Author or channel owner; the row stays as a tombstone without content."""
    channel, message = await live_message(session, user_id, channel_id, message_id)
    if message.author_id != user_id and channel.owner_id != user_id:
        raise NotAuthor("Only the author or the channel owner may delete this")
    message.content = None
    message.deleted_at = utc_now()
    await session.flush()
    members = await repository.member_ids(session, channel_id)
    blocks = await repository.blocks_involving(session, [user_id])
    data = events.MessageRef(id=message.id, channel_id=channel_id)
    emit(
        session,
        events.MessageDeleted(user_ids=tuple(unblocked(members, user_id, blocks)), data=data),
    )
    return message
