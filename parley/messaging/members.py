"""Who is in a channel: the member list, the owner adding a friend, leaving or being removed
(ownership passes on; the last one out deletes the group)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from parley import events
from parley.db import emit
from parley.errors import Invalid, NotFound
from parley.identity.accounts import lookup as accounts
from parley.messaging import repository
from parley.messaging.errors import (
    AlreadyMember,
    ChannelFull,
    NotChannelOwner,
    NotFriends,
    NotGroup,
)
from parley.messaging.payloads import channel_data
from parley.messaging.service import member_channel, owned_group
from parley.messaging.validation import check_key
from parley.models import ChannelMember, User
from parley.settings import Settings
from parley.social import service as social
from parley.social.errors import Blocked


async def channel_members(
    session: AsyncSession, user_id: int, channel_id: int
) -> list[tuple[ChannelMember, User]]:
    await member_channel(session, user_id, channel_id)
    return list(await repository.members_with_users(session, channel_id))


async def add_member(
    session: AsyncSession,
    settings: Settings,
    user_id: int,
    channel_id: int,
    new_id: int,
    *,
    encrypted_key: str | None = None,
) -> User:
    """The owner adds a friend; encrypted groups need the key encrypted to the newcomer."""
    channel = await owned_group(session, user_id, channel_id)
    newcomer = await accounts.get_live_user(session, new_id)
    if await repository.get_member(session, channel_id, new_id) is not None:
        raise AlreadyMember()
    if not await social.are_friends(session, user_id, new_id):
        raise NotFriends()
    if await social.is_blocked_between(session, user_id, new_id):
        raise Blocked()
    ids = await repository.member_ids(session, channel_id)
    if len(ids) >= settings.group_max_members:
        raise ChannelFull()
    if channel.encrypted and encrypted_key is None:
        raise Invalid("An encrypted channel needs the key encrypted to the new member")
    await repository.add(
        session,
        ChannelMember(
            channel_id=channel_id,
            user_id=new_id,
            encrypted_key=check_key(encrypted_key) if channel.encrypted and encrypted_key else None,
        ),
    )
    data = events.MemberAddedData(channel_id=channel_id, user=social.user_data(newcomer))
    emit(session, events.ChannelMemberAdded(user_ids=(*ids, new_id), data=data))
    emit(
        session,
        events.ChannelCreated(user_ids=(new_id,), data=channel_data(channel, [*ids, new_id])),
    )
    return newcomer


async def remove_member(
    session: AsyncSession, user_id: int, channel_id: int, member_id: int
) -> None:
    """The owner removes someone, or anyone removes themself (leave). When the owner leaves,
    the longest-standing member becomes owner; the last one out deletes the group."""
    channel, _ = await member_channel(session, user_id, channel_id)
    if channel.kind != "group":
        raise NotGroup()
    if member_id != user_id and channel.owner_id != user_id:
        raise NotChannelOwner()
    if await repository.get_member(session, channel_id, member_id) is None:
        raise NotFound("Not a member")
    await repository.delete_member(session, channel_id, member_id)
    remaining = await repository.member_ids(session, channel_id)
    if not remaining:
        await repository.delete_channel(session, channel_id)
        emit(
            session,
            events.ChannelDeleted(user_ids=(member_id,), data=events.ChannelRef(id=channel_id)),
        )
        return
    if channel.owner_id == member_id:
        channel.owner_id = remaining[0]
        await session.flush()
        emit(
            session,
            events.ChannelUpdated(user_ids=tuple(remaining), data=channel_data(channel, remaining)),
        )
    data = events.MemberRemovedData(channel_id=channel_id, user_id=member_id)
    emit(session, events.ChannelMemberRemoved(user_ids=(*remaining, member_id), data=data))
