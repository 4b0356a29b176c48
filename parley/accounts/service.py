"""A person's own account: exporting their data, deleting the account."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts import repository
from parley.identity.accounts import lookup, user_row
from parley.identity.accounts.errors import InvalidCredentials
from parley.identity.accounts.passwords import Passwords
from parley.identity.sessions import service as session_service
from parley.infra.ratelimit import RateLimiter
from parley.infra.storage import Storage
from parley.kit.time import utc_now
from parley.messaging import attachments
from parley.models import Channel, ChannelMember, Message, MessageReaction, User, UserSession
from parley.profiles import service as profiles
from parley.settings import Settings
from parley.social import service as social


@dataclass(frozen=True)
class AccountExport:
    user: User
    sessions: list[UserSession]
    friends: list[User]
    blocked: list[User]
    channels: list[tuple[Channel, ChannelMember]]
    messages: list[Message]
    reactions: list[MessageReaction]


async def export_data(session: AsyncSession, user_id: int) -> AccountExport:
    """Everything Parley holds of the account, for the person themself."""
    user = await lookup.get_live_user(session, user_id)
    friends = await repository.users_by_ids(session, await social.friend_ids(session, user_id))
    blocks = await social.list_blocks(session, user_id)
    return AccountExport(
        user=user,
        sessions=list(await repository.sessions_of(session, user_id)),
        friends=list(friends),
        blocked=[blocked for _, blocked in blocks],
        channels=list(await repository.channels_of(session, user_id)),
        messages=list(await repository.messages_by(session, user_id)),
        reactions=list(await repository.reactions_by(session, user_id)),
    )


async def delete_account(
    session: AsyncSession,
    user_id: int,
    password: str,
    *,
    settings: Settings,
    limiter: RateLimiter,
    storage: Storage,
    passwords: Passwords,
) -> None:
    """Delete the caller's account, given its password: every session revoked, friendships
    ended, groups left, messages tombstoned, attachments and avatar deleted, profile
    erased. The row stays as a disabled `deleted-<id>` so the tombstones keep an author;
    sign-in is impossible."""
    user = await lookup.get_live_user(session, user_id)
    await limiter.hit(settings.rate_login, "login-account", user.username_lower)
    if not await passwords.verify(user.password_hash, password):
        raise InvalidCredentials("Wrong password")
    await erase_account(session, user, storage=storage)


async def erase_account(session: AsyncSession, user: User, *, storage: Storage) -> None:
    """`delete_account` without the password, for the operator (`parley users delete`)."""
    user_id = user.id
    await user_row.lock_user(session, user_id)
    await session_service.revoke_all_sessions(session, user_id, "account_deleted")
    for friend_id in await social.friend_ids(session, user_id):
        await social.remove_friend(session, user_id, friend_id)
    for channel_id in await repository.group_ids_of(session, user_id):
        await attachments.remove_member(session, user_id, channel_id, user_id)
    now = utc_now()
    await repository.tombstone_messages(session, user_id, now)
    await attachments.delete_uploads_of(session, user_id)
    await profiles.delete_avatar(session, user, storage=storage)
    await repository.erase(session, user_id, now)
