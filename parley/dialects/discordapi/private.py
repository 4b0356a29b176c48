"""DiscordApi functions 8-12: private chats, which are Parley's direct channels."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from parley.deps import Session, SettingsDep, StorageDep
from parley.dialects.discordapi.deps import DiscordPrincipal
from parley.dialects.discordapi.errors import render
from parley.dialects.discordapi.schemas import (
    AddMessageBody,
    ChatId,
    ChatInfo,
    ChatRef,
    Detail,
    MessageOut,
    StartChatBody,
    UserOut,
    errors,
)
from parley.dialects.discordapi.users import user_out
from parley.dialects.kit import dialect_router
from parley.errors import Invalid, NotFound
from parley.kit.ids import PathId
from parley.messaging import channels, history, members
from parley.messaging.deps import MessagesDep
from parley.messaging.send import Draft
from parley.profiles.views import public_view

router = dialect_router(render, tag="dialect: DiscordApi")

_errors = errors(400, 401)
_PAGE = 200


async def private_members(
    chat_id: PathId, principal: DiscordPrincipal, session: Session, storage: StorageDep
) -> list[UserOut]:
    """The members of a direct channel the caller belongs to, in join order (the member
    check raises ChannelNotFound, answered 400); a group channel is not a private chat."""
    summary = await channels.get_channel(session, principal.user_id, chat_id)
    if summary.channel.kind != "dm":
        raise Invalid("Not a private chat")
    rows = await members.channel_members(session, principal.user_id, chat_id)
    return [user_out(public_view(user, storage=storage)) for _, user in rows]


Members = Annotated[list[UserOut], Depends(private_members)]


@router.post("/private/start-chat/", response_model=ChatId, responses=_errors)
async def start_chat(body: StartChatBody, principal: DiscordPrincipal, session: Session) -> ChatId:
    """8. The pair's private chat, created on first use (the same chat_id afterwards)."""
    try:
        channel, _ = await channels.open_direct(
            session, principal.user_id, body.recipient_id, exists_ok=True
        )
    except NotFound as exc:
        raise Invalid("No such recipient") from exc
    return ChatId(chat_id=channel.id)


@router.get("/private/{chat_id}/messages", response_model=list[MessageOut], responses=_errors)
async def chat_messages(
    chat_id: PathId,
    limit: Annotated[int, Query()],
    offset: Annotated[int, Query()],
    members: Members,
    principal: DiscordPrincipal,
    session: Session,
    settings: SettingsDep,
) -> list[MessageOut]:
    """9. `limit` messages after skipping `offset`, newest first."""
    owners = {user.id: user for user in members}
    messages = await history.list_messages_offset(
        session, settings, principal.user_id, chat_id, offset=offset, limit=limit
    )
    return [
        MessageOut(
            id=message.id,
            text=message.content,
            answer=message.reply_to_id,
            chat_id=message.channel_id,
            message_owner=owners.get(message.author_id) if message.author_id else None,
        )
        for message in messages
    ]


@router.get("/private/{chat_id}/info/", response_model=ChatInfo, responses=_errors)
async def chat_info(chat_id: PathId, members: Members) -> ChatInfo:
    """10. The chat and its two members (Parley does not record who opened a direct
    channel: the starter is the earlier member, the lower user id when they joined at once)."""
    if len(members) != 2:
        raise Invalid("Not a private chat")
    return ChatInfo(id=chat_id, chat_starter=members[0], chat_recipient=members[1])


@router.post("/private/add-message/{chat_id}/", response_model=Detail, responses=_errors)
async def add_message(
    chat_id: PathId,
    body: AddMessageBody,
    _: Members,
    principal: DiscordPrincipal,
    messages: MessagesDep,
) -> Detail:
    """11. Post `text` (optionally replying to message `answer`, or `message_answer_id` as
    the original names it) as the caller."""
    await messages.send(Draft(principal.user_id, chat_id, body.text, body.answer))
    return Detail(detail="Success add.")


@router.get("/private/chat-list/", response_model=list[ChatRef], responses=_errors)
async def chat_list(principal: DiscordPrincipal, session: Session) -> list[ChatRef]:
    """12. Every private chat of the caller, newest first."""
    chats: list[ChatRef] = []
    before: int | None = None
    while True:
        page = await channels.list_channels(session, principal.user_id, before=before, limit=_PAGE)
        chats += [ChatRef(id=s.channel.id) for s in page.items if s.channel.kind == "dm"]
        if page.next_cursor is None:
            return chats
        before = page.next_cursor
