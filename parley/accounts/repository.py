"""SQL for a person's own account: what an export gathers, what a deletion erases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley.identity.accounts.validation import username_key
from parley.models import (
    AppPayload,
    Block,
    Channel,
    ChannelMember,
    ExternalIdentity,
    FriendRequest,
    KnownDevice,
    Message,
    MessageReaction,
    User,
    UserKey,
    UserRole,
    UserSession,
)


async def sessions_of(session: AsyncSession, user_id: int) -> Sequence[UserSession]:
    rows = await session.scalars(
        select(UserSession).where(UserSession.user_id == user_id).order_by(UserSession.id)
    )
    return rows.all()


async def channels_of(
    session: AsyncSession, user_id: int
) -> Sequence[tuple[Channel, ChannelMember]]:
    rows = await session.execute(
        select(Channel, ChannelMember)
        .join(ChannelMember, ChannelMember.channel_id == Channel.id)
        .where(ChannelMember.user_id == user_id)
        .order_by(Channel.id)
    )
    return [(row[0], row[1]) for row in rows.all()]


async def messages_by(session: AsyncSession, user_id: int) -> Sequence[Message]:
    rows = await session.scalars(
        select(Message).where(Message.author_id == user_id).order_by(Message.id)
    )
    return rows.all()


async def reactions_by(session: AsyncSession, user_id: int) -> Sequence[MessageReaction]:
    rows = await session.scalars(
        select(MessageReaction)
        .where(MessageReaction.user_id == user_id)
        .order_by(MessageReaction.message_id, MessageReaction.emoji)
    )
    return rows.all()


async def users_by_ids(session: AsyncSession, ids: Sequence[int]) -> Sequence[User]:
    if not ids:
        return []
    return (await session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id))).all()


async def group_ids_of(session: AsyncSession, user_id: int) -> list[int]:
    rows = await session.scalars(
        select(Channel.id)
        .join(ChannelMember, ChannelMember.channel_id == Channel.id)
        .where(ChannelMember.user_id == user_id, Channel.kind == "group")
        .order_by(Channel.id)
    )
    return list(rows.all())


async def tombstone_messages(session: AsyncSession, user_id: int, now: datetime) -> None:
    await session.execute(
        update(Message)
        .where(Message.author_id == user_id, Message.deleted_at.is_(None))
        .values(content=None, deleted_at=now, mention_ids=None)
    )


async def erase(session: AsyncSession, user_id: int, now: datetime) -> None:
    """Everything personal of the account, and its profile fields; the row stays (as
    "deleted-<id>", disabled) so that its tombstoned messages keep an author."""
    for stmt in (
        delete(MessageReaction).where(MessageReaction.user_id == user_id),
        delete(FriendRequest).where(
            or_(FriendRequest.from_user_id == user_id, FriendRequest.to_user_id == user_id)
        ),
        delete(Block).where(or_(Block.blocker_id == user_id, Block.blocked_id == user_id)),
        delete(UserKey).where(UserKey.user_id == user_id),
        delete(KnownDevice).where(KnownDevice.user_id == user_id),
        delete(ExternalIdentity).where(ExternalIdentity.user_id == user_id),
        delete(AppPayload).where(AppPayload.user_id == user_id),
        delete(UserRole).where(UserRole.user_id == user_id),
    ):
        await session.execute(stmt)
    name = f"deleted-{user_id}"
    await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(
            username=name,
            username_lower=name,
            username_key=username_key(name),
            email=None,
            email_verified_at=None,
            password_hash=None,
            display_name=None,
            first_name=None,
            last_name=None,
            second_name=None,
            birthday=None,
            bio=None,
            status=None,
            contacts={},
            locale=None,
            country=None,
            disabled_at=now,
        )
    )
