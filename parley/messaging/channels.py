"""Channels as members see them: the pair's direct channel, groups, renaming, the channel
list with last message and unread counts, and the caller's channel key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from parley import events
from parley.db import emit
from parley.errors import NotFound
from parley.identity.accounts import lookup as accounts
from parley.identity.sessions import repository as users
from parley.messaging import repository
from parley.messaging.errors import (
    ChannelExists,
    ChannelFull,
    ChannelNotFound,
    KeyMissing,
    NotFriends,
)
from parley.messaging.payloads import channel_data
from parley.messaging.read_state import UNREAD_CAP
from parley.messaging.service import member_channel, owned_group
from parley.messaging.validation import check_keys, check_name
from parley.models import Channel, ChannelMember, Message, User
from parley.settings import Settings
from parley.social import service as social
from parley.social.errors import Blocked, NotYourself


@dataclass(frozen=True)
class ChannelSummary:
    channel: Channel
    member: ChannelMember
    last_message: Message | None
    unread_count: int
    mention_count: int  # unread messages that mention the member
    member_count: int
    other_user: User | None  # the other member of a direct channel


@dataclass(frozen=True)
class ChannelsPage:
    items: list[ChannelSummary]
    next_cursor: int | None


async def get_channel(session: AsyncSession, user_id: int, channel_id: int) -> ChannelSummary:
    """One channel as the member sees it (same shape as the channel list)."""
    row = await repository.get_channel_row(session, user_id, channel_id, unread_cap=UNREAD_CAP)
    if row is None:
        raise ChannelNotFound()
    return (await _summaries(session, user_id, [row]))[0]


async def open_direct(
    session: AsyncSession,
    user_id: int,
    other_id: int,
    *,
    encrypted_keys: dict[int, str] | None = None,
    require_friend: bool = False,
    exists_ok: bool = True,
) -> tuple[Channel, bool]:
    """The pair's one direct channel, created on demand: (channel, created).

    `encrypted_keys` (user id -> channel key encrypted to that user) makes a new channel an
    encrypted one. Exactly one channel per pair even under concurrent calls (unique pair)."""
    if other_id == user_id:
        raise NotYourself()
    other = await users.get_user(session, other_id)
    if not accounts.is_live(other):
        # with `require_friend`, an unknown account is simply not a friend (nothing leaks)
        raise NotFriends() if require_friend else NotFound("No such user")
    if await social.is_blocked_between(session, user_id, other_id):
        raise Blocked()
    if require_friend and not await social.are_friends(session, user_id, other_id):
        raise NotFriends()
    if encrypted_keys is not None:
        check_keys(encrypted_keys, {user_id, other_id})
    low, high = sorted((user_id, other_id))
    existing = await repository.get_dm(session, low, high)
    if existing is None:
        new_id = await repository.insert_dm(
            session, low, high, encrypted=encrypted_keys is not None
        )
        if new_id is not None:
            keys = encrypted_keys or {}
            await repository.add(
                session,
                *(
                    ChannelMember(channel_id=new_id, user_id=uid, encrypted_key=keys.get(uid))
                    for uid in (user_id, other_id)
                ),
            )
            channel = await repository.get_channel(session, new_id)
            assert channel is not None
            emit(
                session,
                events.ChannelCreated(
                    user_ids=(user_id, other_id), data=channel_data(channel, [low, high])
                ),
            )
            return channel, True
        existing = await repository.get_dm(session, low, high)
        assert existing is not None
    if not exists_ok:
        raise ChannelExists()
    return existing, False


async def create_group(
    session: AsyncSession,
    settings: Settings,
    owner_id: int,
    *,
    name: str,
    member_ids: Sequence[int],
    encrypted_keys: dict[int, str] | None = None,
) -> Channel:
    """A group of the owner and some of their friends."""
    name = check_name(name)
    ids = [owner_id, *dict.fromkeys(uid for uid in member_ids if uid != owner_id)]
    if len(ids) > settings.group_max_members:
        raise ChannelFull()
    friends = set(await social.friend_ids(session, owner_id))
    if any(uid not in friends for uid in ids[1:]):
        raise NotFriends("Groups can only be made with friends")
    if await social.block_partners(session, owner_id, ids[1:]):
        raise Blocked()
    if encrypted_keys is not None:
        check_keys(encrypted_keys, set(ids))
    channel = Channel(kind="group", name=name, owner_id=owner_id, encrypted=bool(encrypted_keys))
    await repository.add(session, channel)
    keys = encrypted_keys or {}
    await repository.add(
        session,
        *(
            ChannelMember(channel_id=channel.id, user_id=uid, encrypted_key=keys.get(uid))
            for uid in ids
        ),
    )
    emit(session, events.ChannelCreated(user_ids=tuple(ids), data=channel_data(channel, ids)))
    return channel


async def rename_channel(
    session: AsyncSession, user_id: int, channel_id: int, name: str
) -> Channel:
    channel = await owned_group(session, user_id, channel_id)
    channel.name = check_name(name)
    await session.flush()
    ids = await repository.member_ids(session, channel_id)
    emit(session, events.ChannelUpdated(user_ids=tuple(ids), data=channel_data(channel, ids)))
    return channel


async def list_channels(
    session: AsyncSession, user_id: int, *, before: int | None = None, limit: int = 50
) -> ChannelsPage:
    """The caller's channels (newest first) with last message, unread and mention counts
    (capped at UNREAD_CAP) and, for direct channels, the other user: four queries whatever
    the page."""
    rows = await repository.list_channels_for(
        session, user_id, before=before, limit=limit + 1, unread_cap=UNREAD_CAP
    )
    more = len(rows) > limit
    items = await _summaries(session, user_id, rows[:limit])
    return ChannelsPage(items, items[-1].channel.id if more and items else None)


async def _summaries(
    session: AsyncSession,
    user_id: int,
    rows: Sequence[tuple[Channel, ChannelMember, int | None, int, int]],
) -> list[ChannelSummary]:
    ids = [row[0].id for row in rows]
    by_id = await repository.messages_by_ids(session, [r[2] for r in rows if r[2] is not None])
    dm_ids = [row[0].id for row in rows if row[0].kind == "dm"]
    others = await repository.other_dm_members(session, user_id, dm_ids)
    counts = await repository.member_counts(session, ids)
    return [
        ChannelSummary(
            channel=channel,
            member=member,
            last_message=by_id.get(last_id) if last_id is not None else None,
            unread_count=unread,
            mention_count=mentioned,
            member_count=counts.get(channel.id, 0),
            other_user=others.get(channel.id),
        )
        for channel, member, last_id, unread, mentioned in rows
    ]


async def get_channel_key(session: AsyncSession, user_id: int, channel_id: int) -> str:
    """The channel key encrypted to the caller's public key."""
    channel, member = await member_channel(session, user_id, channel_id)
    if not channel.encrypted or member.encrypted_key is None:
        raise KeyMissing("This channel has no key for you")
    return member.encrypted_key
