"""SQL for push subscriptions, mutes and settings."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from parley.models import (
    Channel,
    ChannelMute,
    Message,
    NotificationSetting,
    PushSubscription,
    User,
)


def _insert(session: AsyncSession, table: object) -> postgresql.Insert | sqlite.Insert:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)  # type: ignore[arg-type]


async def upsert_subscription(
    session: AsyncSession,
    user_id: int,
    kind: str,
    endpoint: str,
    p256dh: str | None,
    auth: str | None,
) -> PushSubscription:
    """Register a subscription; registering the same endpoint again refreshes its keys."""
    stmt = _insert(session, PushSubscription).values(
        user_id=user_id, kind=kind, endpoint=endpoint, p256dh=p256dh, auth=auth
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id", "endpoint"],
        set_={"kind": kind, "p256dh": p256dh, "auth": auth},
    )
    await session.execute(stmt)
    found = await session.scalar(
        select(PushSubscription)
        .where(PushSubscription.user_id == user_id, PushSubscription.endpoint == endpoint)
        .execution_options(populate_existing=True)
    )
    assert found is not None
    return found


async def subscriptions_of(session: AsyncSession, user_id: int) -> Sequence[PushSubscription]:
    rows = await session.scalars(
        select(PushSubscription)
        .where(PushSubscription.user_id == user_id)
        .order_by(PushSubscription.id)
    )
    return rows.all()


async def delete_subscription(session: AsyncSession, user_id: int, subscription_id: int) -> bool:
    result = await session.execute(
        delete(PushSubscription).where(
            PushSubscription.id == subscription_id, PushSubscription.user_id == user_id
        )
    )
    return bool(getattr(result, "rowcount", 0))


async def drop_subscription(session: AsyncSession, subscription_id: int) -> None:
    await session.execute(delete(PushSubscription).where(PushSubscription.id == subscription_id))


async def set_mute(session: AsyncSession, channel_id: int, user_id: int, muted: bool) -> None:
    if muted:
        stmt = _insert(session, ChannelMute).values(channel_id=channel_id, user_id=user_id)
        await session.execute(stmt.on_conflict_do_nothing())
    else:
        await session.execute(
            delete(ChannelMute).where(
                ChannelMute.channel_id == channel_id, ChannelMute.user_id == user_id
            )
        )


async def is_muted(session: AsyncSession, channel_id: int, user_id: int) -> bool:
    found = await session.get(ChannelMute, (channel_id, user_id))
    return found is not None


async def get_setting(session: AsyncSession, user_id: int) -> NotificationSetting | None:
    return await session.get(NotificationSetting, user_id)


async def put_setting(session: AsyncSession, user_id: int, push_enabled: bool) -> None:
    stmt = _insert(session, NotificationSetting).values(user_id=user_id, push_enabled=push_enabled)
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["user_id"], set_={"push_enabled": push_enabled})
    )


async def channel_kind(session: AsyncSession, channel_id: int) -> str | None:
    kind: str | None = await session.scalar(select(Channel.kind).where(Channel.id == channel_id))
    return kind


async def deliverable(
    session: AsyncSession, channel_id: int, user_ids: Collection[int]
) -> Sequence[PushSubscription]:
    """The subscriptions of those of `user_ids` who did not mute the channel nor turn pushes
    off (one query)."""
    if not user_ids:
        return []
    muted = select(ChannelMute.user_id).where(ChannelMute.channel_id == channel_id)
    off = select(NotificationSetting.user_id).where(NotificationSetting.push_enabled.is_(False))
    rows = await session.scalars(
        select(PushSubscription)
        .where(
            PushSubscription.user_id.in_(user_ids),
            PushSubscription.user_id.not_in(muted),
            PushSubscription.user_id.not_in(off),
        )
        .order_by(PushSubscription.id)
    )
    return rows.all()


async def message_preview(session: AsyncSession, message_id: int) -> tuple[str, str | None]:
    """The author's name and the message's text (None in an encrypted channel or when the
    message is gone) for a Web Push notification."""
    row = (
        await session.execute(
            select(User.display_name, User.username, Message.content, Channel.encrypted)
            .join(User, User.id == Message.author_id)
            .join(Channel, Channel.id == Message.channel_id)
            .where(Message.id == message_id)
        )
    ).first()
    if row is None:
        return "", None
    display_name, username, content, encrypted = row
    return display_name or username, None if encrypted else content
