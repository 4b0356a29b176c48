"""Friends, friend requests and blocks. Blocking is enforced here and in messaging."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley import events
from parley.db import emit
from parley.errors import NotFound
from parley.identity.accounts import lookup as accounts
from parley.identity.sessions import repository as users
from parley.models import Block, FriendRequest, User
from parley.social import repository
from parley.social.errors import (
    AlreadyBlocked,
    AlreadyFriends,
    Blocked,
    NotYourself,
    RequestPending,
)


@dataclass(frozen=True)
class FriendEntry:
    cursor: int
    user: User
    channel_id: int | None


@dataclass(frozen=True)
class FriendsPage:
    items: list[FriendEntry]
    next_cursor: int | None


@dataclass(frozen=True)
class PendingRequest:
    request: FriendRequest
    user: User
    incoming: bool


def user_data(user: User) -> events.UserCard:
    """The public face of a user in events."""
    return events.UserCard(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        avatar_key=user.avatar_key,
    )


async def _load(session: AsyncSession, user_id: int) -> User:
    return await accounts.get_live_user(session, user_id)


async def _other_user(session: AsyncSession, user_id: int, other_id: int) -> User:
    if other_id == user_id:
        raise NotYourself()
    return await _load(session, other_id)


async def friend_ids(session: AsyncSession, user_id: int) -> list[int]:
    return await repository.friend_ids(session, user_id)


async def are_friends(session: AsyncSession, user_id: int, other_id: int) -> bool:
    return await repository.are_friends(session, user_id, other_id)


async def is_blocked_between(session: AsyncSession, a: int, b: int) -> bool:
    """True when either user blocked the other."""
    return await repository.is_blocked_between(session, a, b)


async def block_partners(session: AsyncSession, user_id: int, among: Sequence[int]) -> set[int]:
    return await repository.block_partners(session, user_id, among)


async def list_friends(
    session: AsyncSession, user_id: int, *, before: int | None = None, limit: int = 20
) -> FriendsPage:
    """Newest friendship first; `before` is the cursor a previous page returned."""
    rows = await repository.list_friends(session, user_id, before=before, limit=limit + 1)
    items = [FriendEntry(cursor, user, channel_id) for cursor, user, channel_id in rows[:limit]]
    next_cursor = items[-1].cursor if len(rows) > limit else None
    return FriendsPage(items, next_cursor)


async def _make_friends(session: AsyncSession, me: User, other: User) -> None:
    try:
        await repository.add_friendship(session, me.id, other.id)
    except IntegrityError as exc:  # a concurrent request made them friends first
        raise AlreadyFriends() from exc
    await repository.delete_requests_between(session, me.id, other.id)
    emit(
        session,
        events.FriendAdded(user_ids=(me.id,), data=events.FriendData(user=user_data(other))),
    )
    emit(
        session,
        events.FriendAdded(user_ids=(other.id,), data=events.FriendData(user=user_data(me))),
    )


async def add_friend(session: AsyncSession, user_id: int, other_id: int) -> User:
    """Make two users friends at once, without the other's consent: Whisper's contract only
    (its seed adds friends mutually); the native API sends a request. Already friends ->
    Conflict."""
    other = await _other_user(session, user_id, other_id)
    if await repository.is_blocked_between(session, user_id, other_id):
        raise Blocked()
    if await repository.are_friends(session, user_id, other_id):
        raise AlreadyFriends()
    me = await _load(session, user_id)
    await _make_friends(session, me, other)
    return other


async def add_friend_by_username(session: AsyncSession, user_id: int, username: str) -> User:
    other = await users.get_user_by_username(session, username)
    if other is None:
        raise NotFound("No such user")
    return await add_friend(session, user_id, other.id)


async def send_request(session: AsyncSession, user_id: int, other_id: int) -> PendingRequest | None:
    """Ask to be friends. When the other user already asked us, this accepts (returns None)."""
    other = await _other_user(session, user_id, other_id)
    if await repository.is_blocked_between(session, user_id, other_id):
        raise Blocked()
    if await repository.are_friends(session, user_id, other_id):
        raise AlreadyFriends()
    me = await _load(session, user_id)
    if await repository.get_request_between(session, other_id, user_id) is not None:
        await _make_friends(session, me, other)
        return None
    if await repository.get_request_between(session, user_id, other_id) is not None:
        raise RequestPending()
    try:
        request = await repository.add_request(session, user_id, other_id)
    except IntegrityError as exc:
        raise RequestPending() from exc
    data = events.FriendRequestData(
        id=request.id, from_user=user_data(me), to_user=user_data(other)
    )
    emit(session, events.FriendRequested(user_ids=(user_id, other_id), data=data))
    return PendingRequest(request, other, incoming=False)


async def list_requests(session: AsyncSession, user_id: int) -> list[PendingRequest]:
    incoming = await repository.list_requests(session, user_id, incoming=True)
    outgoing = await repository.list_requests(session, user_id, incoming=False)
    return [PendingRequest(r, u, True) for r, u in incoming] + [
        PendingRequest(r, u, False) for r, u in outgoing
    ]


async def _request_for(session: AsyncSession, user_id: int, request_id: int) -> FriendRequest:
    request = await repository.get_request(session, request_id)
    if request is None or user_id not in (request.from_user_id, request.to_user_id):
        raise NotFound("No such friend request")
    return request


async def accept_request(session: AsyncSession, user_id: int, request_id: int) -> User:
    request = await _request_for(session, user_id, request_id)
    if request.to_user_id != user_id:
        raise NotFound("No such friend request")
    other = await _other_user(session, user_id, request.from_user_id)
    me = await _load(session, user_id)
    await _make_friends(session, me, other)
    return other


async def decline_request(session: AsyncSession, user_id: int, request_id: int) -> None:
    """The recipient declines, or the sender cancels; the request disappears either way."""
    request = await _request_for(session, user_id, request_id)
    await repository.delete_request(session, request)


async def remove_friend(
    session: AsyncSession, user_id: int, other_id: int, *, missing_ok: bool = True
) -> bool:
    """End a friendship (both directions). Not friends: False, or NotFound unless missing_ok."""
    removed = await repository.delete_friendship(session, user_id, other_id)
    if not removed and not missing_ok:
        raise NotFound("Not a friend")
    if removed:
        emit(
            session,
            events.FriendRemoved(user_ids=(user_id,), data=events.UserRef(user_id=other_id)),
        )
        if not await repository.is_blocked_between(session, user_id, other_id):
            emit(
                session,
                events.FriendRemoved(user_ids=(other_id,), data=events.UserRef(user_id=user_id)),
            )
    return removed


async def block_user(session: AsyncSession, user_id: int, other_id: int) -> User:
    """Block someone: ends any friendship and pending requests; they are not told."""
    other = await _other_user(session, user_id, other_id)
    if await repository.get_block(session, user_id, other_id) is not None:
        raise AlreadyBlocked()
    try:
        await repository.add_block(session, user_id, other_id)
    except IntegrityError as exc:
        raise AlreadyBlocked() from exc
    if await repository.delete_friendship(session, user_id, other_id):
        emit(
            session,
            events.FriendRemoved(user_ids=(user_id,), data=events.UserRef(user_id=other_id)),
        )
    await repository.delete_requests_between(session, user_id, other_id)
    return other


async def unblock_user(session: AsyncSession, user_id: int, other_id: int) -> None:
    block = await repository.get_block(session, user_id, other_id)
    if block is None:
        raise NotFound("This user is not blocked")
    await repository.delete_block(session, block)


async def list_blocks(session: AsyncSession, user_id: int) -> list[tuple[Block, User]]:
    return list(await repository.list_blocks(session, user_id))
