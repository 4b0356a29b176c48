"""Native push notifications: subscriptions, channel mutes, the push setting."""

from __future__ import annotations

from fastapi import APIRouter

from parley.deps import Session, SettingsDep
from parley.identity.accounts.deps import CurrentPrincipal
from parley.kit.ids import PathId
from parley.kit.openapi import responses
from parley.notifications import service
from parley.notifications.schemas import (
    MuteState,
    NotificationSettings,
    SubscriptionCreate,
    SubscriptionRead,
    VapidKey,
)

router = APIRouter(tags=["notifications"])


@router.get("/push/vapid-key", response_model=VapidKey)
async def read_vapid_key(settings: SettingsDep) -> VapidKey:
    """The VAPID public key a browser subscribes with (null when Web Push is off)."""
    return VapidKey(public_key=service.vapid_public_key(settings))


@router.post(
    "/push/subscriptions",
    status_code=201,
    response_model=SubscriptionRead,
    responses=responses(400, 401),
)
async def create_subscription(
    body: SubscriptionCreate, principal: CurrentPrincipal, session: Session
) -> SubscriptionRead:
    """Register this device for pushes: a Web Push subscription or an FCM token."""
    subscription = await service.subscribe(
        session,
        principal.user_id,
        kind=body.kind,
        endpoint=body.endpoint,
        p256dh=body.keys.p256dh if body.keys else None,
        auth=body.keys.auth if body.keys else None,
    )
    return SubscriptionRead.model_validate(subscription)


@router.get("/push/subscriptions", response_model=list[SubscriptionRead], responses=responses(401))
async def list_subscriptions(
    principal: CurrentPrincipal, session: Session
) -> list[SubscriptionRead]:
    """Your devices registered for pushes."""
    found = await service.list_subscriptions(session, principal.user_id)
    return [SubscriptionRead.model_validate(s) for s in found]


@router.delete(
    "/push/subscriptions/{subscription_id}", status_code=204, responses=responses(401, 404)
)
async def delete_subscription(
    subscription_id: PathId, principal: CurrentPrincipal, session: Session
) -> None:
    """Stop pushes to one of your devices."""
    await service.unsubscribe(session, principal.user_id, subscription_id)


@router.get("/channels/{channel_id}/mute", response_model=MuteState, responses=responses(401, 404))
async def read_channel_mute(
    channel_id: PathId, principal: CurrentPrincipal, session: Session
) -> MuteState:
    """Whether you muted the channel's pushes."""
    return MuteState(muted=await service.channel_muted(session, principal.user_id, channel_id))


@router.put("/channels/{channel_id}/mute", response_model=MuteState, responses=responses(401, 404))
async def update_channel_mute(
    channel_id: PathId, body: MuteState, principal: CurrentPrincipal, session: Session
) -> MuteState:
    """Mute (or unmute) the channel's pushes; its events still arrive on the gateway."""
    muted = await service.set_channel_mute(session, principal.user_id, channel_id, muted=body.muted)
    return MuteState(muted=muted)


@router.get(
    "/users/me/notification-settings",
    response_model=NotificationSettings,
    responses=responses(401),
)
async def read_notification_settings(
    principal: CurrentPrincipal, session: Session
) -> NotificationSettings:
    """Your push setting."""
    return NotificationSettings(push_enabled=await service.push_enabled(session, principal.user_id))


@router.put(
    "/users/me/notification-settings",
    response_model=NotificationSettings,
    responses=responses(401),
)
async def update_notification_settings(
    body: NotificationSettings, principal: CurrentPrincipal, session: Session
) -> NotificationSettings:
    """Turn pushes on or off for all your devices."""
    enabled = await service.set_push_enabled(session, principal.user_id, enabled=body.push_enabled)
    return NotificationSettings(push_enabled=enabled)
