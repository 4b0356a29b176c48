"""Push subscriptions, per-channel mutes and the per-user push setting."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import Invalid, NotFound
from parley.messaging import service as messaging
from parley.models import PushSubscription
from parley.notifications import repository, senders
from parley.settings import Settings

MAX_ENDPOINT = 1000


def _check_key(value: str | None, name: str) -> str:
    try:
        raw = base64.urlsafe_b64decode((value or "") + "=" * (-len(value or "") % 4))
    except (binascii.Error, ValueError) as exc:
        raise Invalid(f"keys.{name} must be base64url") from exc
    if not raw or len(raw) > 256:
        raise Invalid(f"keys.{name} must be base64url")
    assert value is not None
    return value


async def subscribe(
    session: AsyncSession,
    user_id: int,
    *,
    kind: str,
    endpoint: str,
    p256dh: str | None = None,
    auth: str | None = None,
) -> PushSubscription:
    """Register a Web Push subscription (an https endpoint and its two keys) or an FCM
    registration token; the same endpoint again refreshes it."""
    endpoint = endpoint.strip()
    if not endpoint or len(endpoint) > MAX_ENDPOINT or any(not c.isprintable() for c in endpoint):
        raise Invalid(f"The endpoint is 1-{MAX_ENDPOINT} printable characters")
    if kind == "webpush":
        if urlsplit(endpoint).scheme not in ("https", "http"):
            raise Invalid("A Web Push endpoint is an https URL")
        p256dh, auth = _check_key(p256dh, "p256dh"), _check_key(auth, "auth")
    elif kind == "fcm":
        p256dh = auth = None
    else:
        raise Invalid('kind is "webpush" or "fcm"')
    return await repository.upsert_subscription(session, user_id, kind, endpoint, p256dh, auth)


async def list_subscriptions(session: AsyncSession, user_id: int) -> list[PushSubscription]:
    return list(await repository.subscriptions_of(session, user_id))


async def unsubscribe(session: AsyncSession, user_id: int, subscription_id: int) -> None:
    if not await repository.delete_subscription(session, user_id, subscription_id):
        raise NotFound("No such subscription")


async def set_channel_mute(
    session: AsyncSession, user_id: int, channel_id: int, *, muted: bool
) -> bool:
    """Mute or unmute a channel of the caller's for pushes (events still arrive)."""
    await messaging.member_channel(session, user_id, channel_id)
    await repository.set_mute(session, channel_id, user_id, muted)
    return muted


async def channel_muted(session: AsyncSession, user_id: int, channel_id: int) -> bool:
    await messaging.member_channel(session, user_id, channel_id)
    return await repository.is_muted(session, channel_id, user_id)


async def push_enabled(session: AsyncSession, user_id: int) -> bool:
    setting = await repository.get_setting(session, user_id)
    return setting is None or setting.push_enabled


async def set_push_enabled(session: AsyncSession, user_id: int, *, enabled: bool) -> bool:
    await repository.put_setting(session, user_id, enabled)
    return enabled


def vapid_public_key(settings: Settings) -> str | None:
    key = settings.vapid_private_key.get_secret_value()
    return senders.vapid_public_key(key) if key else None
