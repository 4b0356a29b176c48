"""Native channels, messages, read state and key material: /v1/channels, /v1/users/.../keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from parley.deps import LimiterDep, Session, SettingsDep
from parley.identity.accounts.deps import CurrentPrincipal, PasswordsDep
from parley.kit.ids import CursorId, PathId
from parley.kit.openapi import responses
from parley.messaging import attachments, channels, keys, members, read_state, typing_indicator
from parley.messaging.channels import ChannelSummary
from parley.messaging.keys import KeyState
from parley.messaging.schemas import (
    ChannelKeyRead,
    ChannelRead,
    ChannelsPage,
    ChannelUpdate,
    DirectChannelCreate,
    GroupChannelCreate,
    KeysStatus,
    KeysUpload,
    MemberAdd,
    MemberRead,
    MessageRead,
    PinCheck,
    PrivateKeyRead,
    PublicKeyRead,
    ReadStateRead,
    ReadStateUpdate,
)
from parley.social.schemas import UserBrief

router = APIRouter(tags=["messaging"])
keys_router = APIRouter(tags=["keys"])


def channel_read(summary: ChannelSummary) -> ChannelRead:
    channel = summary.channel
    return ChannelRead(
        id=channel.id,
        kind=channel.kind,
        name=channel.name,
        owner_id=channel.owner_id,
        encrypted=channel.encrypted,
        member_count=summary.member_count,
        other_user=UserBrief.model_validate(summary.other_user) if summary.other_user else None,
        last_message=MessageRead.model_validate(summary.last_message)
        if summary.last_message
        else None,
        unread_count=summary.unread_count,
        mention_count=summary.mention_count,
        last_read_message_id=summary.member.last_read_message_id,
        encrypted_key=summary.member.encrypted_key,
    )


@router.get("/channels", response_model=ChannelsPage, responses=responses(401))
async def list_channels(
    principal: CurrentPrincipal,
    session: Session,
    before: CursorId = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> ChannelsPage:
    """The caller's channels, newest first, with last message and unread count."""
    page = await channels.list_channels(session, principal.user_id, before=before, limit=limit)
    return ChannelsPage(items=[channel_read(s) for s in page.items], next_cursor=page.next_cursor)


@router.post(
    "/channels/direct",
    status_code=201,
    response_model=ChannelRead,
    responses={
        200: {"description": "The pair's existing channel"},
        **responses(400, 401, 403, 404),
    },
)
async def open_direct_channel(
    body: DirectChannelCreate, principal: CurrentPrincipal, session: Session, response: Response
) -> ChannelRead:
    """The direct channel with a user, created on first use (201) or returned (200)."""
    channel, created = await channels.open_direct(
        session, principal.user_id, body.user_id, encrypted_keys=body.encrypted_keys
    )
    if not created:
        response.status_code = 200
    return channel_read(await channels.get_channel(session, principal.user_id, channel.id))


@router.post(
    "/channels",
    status_code=201,
    response_model=ChannelRead,
    responses=responses(400, 401, 403, 409),
)
async def create_group_channel(
    body: GroupChannelCreate, principal: CurrentPrincipal, session: Session, settings: SettingsDep
) -> ChannelRead:
    """A group channel of the caller (owner) and some of their friends."""
    channel = await channels.create_group(
        session,
        settings,
        principal.user_id,
        name=body.name,
        member_ids=body.member_ids,
        encrypted_keys=body.encrypted_keys,
    )
    return channel_read(await channels.get_channel(session, principal.user_id, channel.id))


@router.get("/channels/{channel_id}", response_model=ChannelRead, responses=responses(401, 404))
async def read_channel(
    channel_id: PathId, principal: CurrentPrincipal, session: Session
) -> ChannelRead:
    """One of the caller's channels."""
    return channel_read(await channels.get_channel(session, principal.user_id, channel_id))


@router.patch(
    "/channels/{channel_id}", response_model=ChannelRead, responses=responses(400, 401, 403, 404)
)
async def update_channel(
    channel_id: PathId, body: ChannelUpdate, principal: CurrentPrincipal, session: Session
) -> ChannelRead:
    """Rename a group (owner only)."""
    await channels.rename_channel(session, principal.user_id, channel_id, body.name)
    return channel_read(await channels.get_channel(session, principal.user_id, channel_id))


@router.delete("/channels/{channel_id}", status_code=204, responses=responses(400, 401, 403, 404))
async def delete_channel(channel_id: PathId, principal: CurrentPrincipal, session: Session) -> None:
    """Delete a group, its messages and their files (owner only)."""
    await attachments.delete_channel(session, principal.user_id, channel_id)


@router.get(
    "/channels/{channel_id}/members", response_model=list[MemberRead], responses=responses(401, 404)
)
async def list_members(
    channel_id: PathId, principal: CurrentPrincipal, session: Session
) -> list[MemberRead]:
    """The channel's members, in joining order."""
    rows = await members.channel_members(session, principal.user_id, channel_id)
    return [MemberRead(user=UserBrief.model_validate(u), joined_at=m.joined_at) for m, u in rows]


@router.post(
    "/channels/{channel_id}/members",
    status_code=201,
    response_model=UserBrief,
    responses=responses(400, 401, 403, 404, 409),
)
async def add_member(
    channel_id: PathId,
    body: MemberAdd,
    principal: CurrentPrincipal,
    session: Session,
    settings: SettingsDep,
) -> UserBrief:
    """Add a friend to a group (owner only)."""
    user = await members.add_member(
        session,
        settings,
        principal.user_id,
        channel_id,
        body.user_id,
        encrypted_key=body.encrypted_key,
    )
    return UserBrief.model_validate(user)


@router.delete(
    "/channels/{channel_id}/members/{user_id}",
    status_code=204,
    responses=responses(400, 401, 403, 404),
)
async def remove_member(
    channel_id: PathId, user_id: PathId, principal: CurrentPrincipal, session: Session
) -> None:
    """Remove a member (owner), or leave (your own id)."""
    await attachments.remove_member(session, principal.user_id, channel_id, user_id)


@router.get(
    "/channels/{channel_id}/key", response_model=ChannelKeyRead, responses=responses(401, 404)
)
async def read_channel_key(
    channel_id: PathId, principal: CurrentPrincipal, session: Session
) -> ChannelKeyRead:
    """The channel key encrypted to the caller's public key (encrypted channels)."""
    value = await channels.get_channel_key(session, principal.user_id, channel_id)
    return ChannelKeyRead(channel_id=channel_id, encrypted_key=value)


@router.post(
    "/channels/{channel_id}/read", response_model=ReadStateRead, responses=responses(401, 404)
)
async def mark_read(
    channel_id: PathId, body: ReadStateUpdate, principal: CurrentPrincipal, session: Session
) -> ReadStateRead:
    """Set your read marker; your other devices receive READ_STATE_UPDATE."""
    member = await read_state.mark_read(
        session, principal.user_id, channel_id, body.message_id, session_id=principal.session_id
    )
    return ReadStateRead(channel_id=channel_id, last_read_message_id=member.last_read_message_id)


@router.post("/channels/{channel_id}/typing", status_code=204, responses=responses(401, 403, 404))
async def start_typing(channel_id: PathId, principal: CurrentPrincipal, session: Session) -> None:
    """Tell the other members you are typing."""
    await typing_indicator.start_typing(session, principal.user_id, channel_id)


# E2E key material


def keys_status(key: KeyState) -> KeysStatus:
    return KeysStatus(
        public_key=key.public_key,
        tries_left=key.tries_left,
        locked=key.locked,
        updated_at=key.updated_at,
    )


@keys_router.get("/users/me/keys", response_model=KeysStatus, responses=responses(401, 404))
async def read_my_keys(principal: CurrentPrincipal, session: Session) -> KeysStatus:
    """Your public key and the PIN state (tries left, locked)."""
    return keys_status(await keys.get_key(session, principal.user_id))


@keys_router.put(
    "/users/me/keys", response_model=KeysStatus, responses=responses(400, 401, 403, 429)
)
async def upload_my_keys(
    body: KeysUpload,
    principal: CurrentPrincipal,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    passwords: PasswordsDep,
) -> KeysStatus:
    """Store your key material; replacing it needs your password."""
    key = await keys.set_keys(
        session,
        principal.user_id,
        public_key=body.public_key,
        encrypted_private_key=body.encrypted_private_key,
        pin=body.pin,
        password=body.password,
        settings=settings,
        limiter=limiter,
        passwords=passwords,
    )
    return keys_status(key)


@keys_router.post(
    "/users/me/keys/unlock",
    response_model=PrivateKeyRead,
    responses=responses(401, 403, 404, 423, 429),
)
async def unlock_my_private_key(
    body: PinCheck,
    principal: CurrentPrincipal,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    passwords: PasswordsDep,
) -> PrivateKeyRead:
    """Your PIN-encrypted private key, given the PIN. Wrong: 403 with `tries_left`;
    after 10 wrong PINs in a row: 423 until an administrator unlocks it."""
    key = await keys.unlock_private_key(
        session,
        principal.user_id,
        body.pin,
        settings=settings,
        limiter=limiter,
        passwords=passwords,
    )
    return PrivateKeyRead(
        public_key=key.public_key, encrypted_private_key=key.encrypted_private_key
    )


@keys_router.get(
    "/users/{user_id}/public-key", response_model=PublicKeyRead, responses=responses(401, 404)
)
async def read_public_key(user_id: PathId, _: CurrentPrincipal, session: Session) -> PublicKeyRead:
    """Any user's public key, to encrypt channel keys to them."""
    return PublicKeyRead(user_id=user_id, public_key=await keys.public_key(session, user_id))
