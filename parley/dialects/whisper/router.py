"""Whisper (seed 003): the 15 endpoints at the seed's paths under /api/v1.

Whisper has one long-lived token per login (no refresh), bound to a revocable session."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import Header, Path, Response

from parley.accounts import signup as accounts
from parley.deps import Client, LimiterDep, MailerDep, Session, SettingsDep, StorageDep
from parley.dialects.kit import dialect_router, error_responses
from parley.dialects.whisper.deps import OptionalWhisperPrincipal, WhisperPrincipal
from parley.dialects.whisper.errors import Taken, render
from parley.dialects.whisper.mapping import (
    NONE,
    cursor_in,
    cursor_out,
    epoch_millis,
    friend_item,
    me_read,
    user_read,
)
from parley.dialects.whisper.schemas import (
    MAX_ID,
    WhisperChannelCreate,
    WhisperChannelCreated,
    WhisperChannelItem,
    WhisperChannelKeyRead,
    WhisperChannelsPage,
    WhisperEmpty,
    WhisperErrorBody,
    WhisperFriendAdd,
    WhisperFriendsPage,
    WhisperLoginBody,
    WhisperMeRead,
    WhisperMessageCreate,
    WhisperMessageCreated,
    WhisperMessageItem,
    WhisperMessagesPage,
    WhisperPrivateKeyRead,
    WhisperProfileUpdate,
    WhisperRegisterBody,
    WhisperTokenRead,
    WhisperUserRead,
)
from parley.errors import Invalid
from parley.identity.accounts import lookup
from parley.identity.accounts import service as identity
from parley.identity.accounts.deps import PasswordsDep
from parley.identity.accounts.errors import EmailTaken, UsernameTaken
from parley.identity.devices import login as device_login
from parley.identity.devices import service as devices
from parley.identity.sessions import service as sessions
from parley.identity.sessions.deps import SignerDep
from parley.messaging import channels, history, keys
from parley.messaging.deps import MessagesDep
from parley.messaging.send import Draft
from parley.profiles import service as profiles
from parley.social import service as social

router = dialect_router(render, tag="dialect: Whisper")

PREFIX = "/api/v1"
# one long-lived token per login; no code step, so a new device gets the mailed approval
SURFACE = devices.Surface("whisper", with_refresh=False, approval=True)
Uid = Annotated[int, Path(ge=1, le=MAX_ID)]
ChannelId = Annotated[int, Path(ge=1, le=MAX_ID)]
FIRST = "0 for the first (newest) page, then each page's `next`"
From = Annotated[int, Path(alias="from", ge=0, le=MAX_ID, description=FIRST)]
Next = Annotated[int, Path(alias="next", ge=0, le=MAX_ID, description=FIRST)]


errors = partial(error_responses, WhisperErrorBody)


@router.post(
    f"{PREFIX}/users", status_code=201, response_model=WhisperEmpty, responses=errors(400, 422, 429)
)
async def register(
    body: WhisperRegisterBody,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    mailer: MailerDep,
    passwords: PasswordsDep,
    client: Client,
) -> WhisperEmpty:
    """註冊新用戶: an account with its public key and PIN-encrypted private key."""
    profile = {"display_name": body.name.strip() or None}
    account = accounts.NewAccount(body.user, body.password, body.email, profile)
    keys = accounts.KeyMaterial(body.public_key, body.encrypted_private_key, body.pin)
    try:
        await accounts.sign_up(
            session,
            account,
            client=client,
            keys=keys,
            settings=settings,
            limiter=limiter,
            mailer=mailer,
            passwords=passwords,
        )
    except (UsernameTaken, EmailTaken) as exc:
        raise Taken(exc.message) from exc
    return WhisperEmpty()


@router.post(
    f"{PREFIX}/auth/login", response_model=WhisperTokenRead, responses=errors(400, 401, 429)
)
async def login(
    body: WhisperLoginBody,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    mailer: MailerDep,
    passwords: PasswordsDep,
    signer: SignerDep,
    client: Client,
) -> WhisperTokenRead:
    """登入: user name (or email) and password -> one long-lived token. An account that has
    proven a device elsewhere gets 401 "check the mail" from a new client, until the person
    opens the mailed approval link; the same login then succeeds."""
    issued = await device_login.sign_in(
        session,
        body.user,
        body.password,
        client,
        SURFACE,
        settings=settings,
        limiter=limiter,
        mailer=mailer,
        passwords=passwords,
        signer=signer,
    )
    return WhisperTokenRead(token=issued.access_token)


@router.post(f"{PREFIX}/auth/logout", status_code=204, responses=errors(401))
async def logout(principal: OptionalWhisperPrincipal, session: Session) -> Response:
    """登出: revokes this token's session; 204 also without a token (the seed lists only 204
    and 500). A bad token is 401."""
    if principal is not None:
        await sessions.logout(session, principal)
    return Response(status_code=204)


@router.get(f"{PREFIX}/me", response_model=WhisperMeRead, responses=errors(401))
async def read_me(
    principal: WhisperPrincipal, session: Session, storage: StorageDep
) -> WhisperMeRead:
    """取得 me 基本資料."""
    user = await identity.get_signed_in_user(session, principal)
    public = await keys.public_keys(session, [user.id])
    return me_read(
        user, user.email, profiles.avatar_url(user, storage=storage), public.get(user.id)
    )


@router.get(
    f"{PREFIX}/me/key", response_model=WhisperPrivateKeyRead, responses=errors(400, 401, 429)
)
async def read_my_key(
    principal: WhisperPrincipal,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    passwords: PasswordsDep,
    pin: Annotated[str | None, Header()] = None,
) -> WhisperPrivateKeyRead:
    """取得用 PIN 加密過的 private key: 10 wrong PINs in a row lock it (401, locked)."""
    if not pin:
        raise Invalid("Missing Pin header")
    state = await keys.unlock_private_key(
        session, principal.user_id, pin, settings=settings, limiter=limiter, passwords=passwords
    )
    return WhisperPrivateKeyRead(encrypted_private_key=state.encrypted_private_key)


@router.put(f"{PREFIX}/users/me", response_model=WhisperEmpty, responses=errors(400, 401, 409))
async def update_me(
    body: WhisperProfileUpdate, principal: WhisperPrincipal, session: Session, storage: StorageDep
) -> WhisperEmpty:
    """更新用戶資料: email, user, name, profile (avatar URL; "" removes it)."""
    user = await identity.get_signed_in_user(session, principal)
    renamed = {"email": body.email, "username": body.user, "display_name": body.name}
    await profiles.update_profile(
        session, user, {name: value for name, value in renamed.items() if value is not None}
    )
    if body.profile == "":
        await profiles.delete_avatar(session, user, storage=storage)
    elif body.profile is not None:
        await profiles.set_external_avatar(session, user, body.profile, storage=storage)
    return WhisperEmpty()


@router.get(f"{PREFIX}/users/{{uid}}", response_model=WhisperUserRead, responses=errors(400, 404))
async def read_user(uid: Uid, session: Session, storage: StorageDep) -> WhisperUserRead:
    """取得任意用戶基本資料 (public)."""
    user = await lookup.get_live_user(session, uid)
    public = await keys.public_keys(session, [uid])
    return user_read(user, profiles.avatar_url(user, storage=storage), public.get(uid))


@router.post(f"{PREFIX}/friends", status_code=201, responses=errors(400, 401, 404, 409))
async def add_friend(
    body: WhisperFriendAdd, principal: WhisperPrincipal, session: Session
) -> WhisperEmpty:
    """新增好友 by user name or uid: mutual at once; yourself or a friend already is 409."""
    if body.uid is not None:
        await social.add_friend(session, principal.user_id, body.uid)
    else:
        await social.add_friend_by_username(session, principal.user_id, body.user or "")
    return WhisperEmpty()


@router.delete(f"{PREFIX}/friends/{{uid}}", status_code=204, responses=errors(400, 401))
async def remove_friend(uid: Uid, principal: WhisperPrincipal, session: Session) -> Response:
    """移除好友: 204 also when not a friend."""
    await social.remove_friend(session, principal.user_id, uid, missing_ok=True)
    return Response(status_code=204)


@router.get(
    f"{PREFIX}/friends/{{from}}", response_model=WhisperFriendsPage, responses=errors(400, 401)
)
async def list_friends(
    cursor: From,
    principal: WhisperPrincipal,
    session: Session,
    settings: SettingsDep,
    storage: StorageDep,
) -> WhisperFriendsPage:
    """取得朋友列表: newest friendship first, `from` = 0 then each page's `next`."""
    page = await social.list_friends(
        session, principal.user_id, before=cursor_in(cursor), limit=settings.page_size
    )
    public = await keys.public_keys(session, [entry.user.id for entry in page.items])
    items = [
        friend_item(
            entry.user,
            profiles.avatar_url(entry.user, storage=storage),
            public.get(entry.user.id),
            entry.channel_id,
        )
        for entry in page.items
    ]
    return WhisperFriendsPage(next=cursor_out(page.next_cursor), items=items)


_create_channel = errors(400, 401, 403, 404, 409)


@router.post(f"{PREFIX}/channels", status_code=201, responses=_create_channel)
async def create_channel(
    body: WhisperChannelCreate, principal: WhisperPrincipal, session: Session
) -> WhisperChannelCreated:
    """建立聊天室 with a friend: the channel key encrypted to each of you; anyone else (or
    an unknown uid) is 403."""
    channel, _ = await channels.open_direct(
        session,
        principal.user_id,
        body.attendee,
        encrypted_keys={
            body.attendee: body.key_encrypted_by_attendee_public_key,
            principal.user_id: body.key_encrypted_by_host_public_key,
        },
        require_friend=True,
        exists_ok=False,
    )
    return WhisperChannelCreated(channel_id=channel.id)


@router.get(
    f"{PREFIX}/channel/key/{{channel_id}}",  # the original's path
    response_model=WhisperChannelKeyRead,
    responses=errors(400, 401, 403, 404),
    include_in_schema=False,
)
@router.get(
    f"{PREFIX}/channels/key/{{channel_id}}",
    response_model=WhisperChannelKeyRead,
    responses=errors(400, 401, 403, 404),
)
async def read_channel_key(
    channel_id: ChannelId, principal: WhisperPrincipal, session: Session
) -> WhisperChannelKeyRead:
    """取得聊天室金鑰: the channel key encrypted to your public key."""
    key = await channels.get_channel_key(session, principal.user_id, channel_id)
    return WhisperChannelKeyRead(encrypted_key=key)


_message_errors = errors(400, 401, 403)


@router.post(
    f"{PREFIX}/messages/{{channel_id}}",
    response_model=WhisperMessageCreated,
    responses=_message_errors,
)
async def send_message(
    channel_id: ChannelId,
    body: WhisperMessageCreate,
    principal: WhisperPrincipal,
    messages: MessagesDep,
) -> WhisperMessageCreated:
    """傳送訊息: any non-empty ciphertext up to the size cap."""
    draft = Draft(principal.user_id, channel_id, body.encrypted_msg)
    return WhisperMessageCreated(message_id=(await messages.send(draft)).id)


@router.get(
    f"{PREFIX}/messages/{{channel_id}}/{{next}}",
    response_model=WhisperMessagesPage,
    responses=_message_errors,
)
async def list_messages(
    channel_id: ChannelId,
    cursor: Next,
    principal: WhisperPrincipal,
    session: Session,
    settings: SettingsDep,
) -> WhisperMessagesPage:
    """取得聊天室聊天內容: newest first; deleted messages are left out."""
    page = await history.message_page(
        session,
        principal.user_id,
        channel_id,
        before=cursor_in(cursor),
        limit=settings.page_size,
    )
    items = [
        WhisperMessageItem(
            encrypted_msg=message.content,
            sender=message.author_id if message.author_id is not None else NONE,
            time=epoch_millis(message.created_at),
        )
        for message in page.items
        if message.content is not None
    ]
    return WhisperMessagesPage(next=cursor_out(page.next_cursor), items=items)


@router.get(
    f"{PREFIX}/channels/{{next}}", response_model=WhisperChannelsPage, responses=errors(400, 401)
)
async def list_channels(
    cursor: Next,
    principal: WhisperPrincipal,
    session: Session,
    settings: SettingsDep,
    storage: StorageDep,
) -> WhisperChannelsPage:
    """取得聊天室列表: newest channel first."""
    page = await channels.list_channels(
        session, principal.user_id, before=cursor_in(cursor), limit=settings.page_size
    )
    items = [
        WhisperChannelItem(
            channel_id=summary.channel.id,
            attendee=summary.other_user.id if summary.other_user else NONE,
            attendee_profile=(
                profiles.avatar_url(summary.other_user, storage=storage) or ""
                if summary.other_user
                else ""
            ),
            encrypted_key=summary.member.encrypted_key or "",
            last_encrypted_msg=(summary.last_message.content or "") if summary.last_message else "",
        )
        for summary in page.items
    ]
    return WhisperChannelsPage(next=cursor_out(page.next_cursor), items=items)
