"""Native messages and reactions: /v1/channels/{channel_id}/messages..."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from parley.deps import Session, SettingsDep
from parley.identity.accounts.deps import CurrentPrincipal
from parley.kit.ids import MAX_ID, CursorId, PathId
from parley.kit.openapi import responses
from parley.messaging import attachments, edit, history, payloads, reactions, search
from parley.messaging.deps import MessagesDep
from parley.messaging.history import MessageView
from parley.messaging.schemas import (
    MessageCreate,
    MessageRead,
    MessagesPage,
    MessageUpdate,
    SearchPage,
)
from parley.messaging.send import Draft

router = APIRouter(tags=["messaging"])

SearchQuery = Annotated[
    str, Query(min_length=1, max_length=search.MAX_QUERY, description="Words to find")
]
Emoji = Annotated[str, Path(min_length=1, max_length=64, description="The emoji, URL-encoded")]
REACTION = "/channels/{channel_id}/messages/{message_id:int}/reactions/{emoji}"


class PayloadResponse(Response):
    """A page built by `payloads` (the route's response_model documents it): encoded as is,
    without FastAPI validating and dumping it through the models."""

    media_type = "application/json"

    def render(self, content: object) -> bytes:
        return payloads.json_bytes(content)


def message_read(view: MessageView) -> MessageRead:
    return MessageRead.model_validate(payloads.message_payload(view))


@router.get(
    "/channels/{channel_id}/messages",
    response_model=MessagesPage,
    responses=responses(400, 401, 404),
)
async def list_messages(
    channel_id: PathId,
    principal: CurrentPrincipal,
    session: Session,
    before: CursorId = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
    around: CursorId = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Response:
    """Messages, newest first, by keyset: `before`, `after` or `around` a message id; the
    page's `next_before` / `next_after` continue it (null: nothing further that way)."""
    page = await history.list_messages(
        session,
        principal.user_id,
        channel_id,
        before=before,
        after=after,
        around=around,
        limit=limit,
    )
    return PayloadResponse(payloads.history_page(page))


@router.get(
    "/channels/{channel_id}/messages/search",
    response_model=SearchPage,
    responses=responses(400, 401, 403, 404),
)
async def search_channel_messages(
    channel_id: PathId,
    q: SearchQuery,
    principal: CurrentPrincipal,
    session: Session,
    before: CursorId = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """Full-text search in one channel, newest first (not in encrypted channels)."""
    page = await search.search_messages(
        session, principal.user_id, q, channel_id=channel_id, before=before, limit=limit
    )
    return PayloadResponse(payloads.search_page(page))


@router.get("/messages/search", response_model=SearchPage, responses=responses(400, 401, 404))
async def search_messages(
    q: SearchQuery,
    principal: CurrentPrincipal,
    session: Session,
    channel_id: CursorId = None,
    before: CursorId = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """Full-text search over every channel you can read (or `channel_id`), newest first;
    words, "phrases", `or` and `-word`; encrypted channels are never searched."""
    page = await search.search_messages(
        session, principal.user_id, q, channel_id=channel_id, before=before, limit=limit
    )
    return PayloadResponse(payloads.search_page(page))


@router.post(
    "/channels/{channel_id}/messages",
    status_code=201,
    response_model=MessageRead,
    responses=responses(400, 401, 403, 404),
)
async def send_message(
    channel_id: PathId,
    body: MessageCreate,
    principal: CurrentPrincipal,
    session: Session,
    messages: MessagesDep,
) -> MessageRead:
    """Send text (1-4000 characters) or, in an encrypted channel, ciphertext (any text up
    to the size cap), with up to 10 of your uploads (`attachment_ids`; the text may then
    be empty)."""
    draft = Draft(
        principal.user_id,
        channel_id,
        body.content,
        body.reply_to_id,
        tuple(dict.fromkeys(body.attachment_ids)),
    )
    return message_read(await history.send_message(messages, session, draft))


@router.patch(
    "/channels/{channel_id}/messages/{message_id:int}",
    response_model=MessageRead,
    responses=responses(400, 401, 403, 404),
)
async def edit_message(
    channel_id: PathId,
    message_id: PathId,
    body: MessageUpdate,
    principal: CurrentPrincipal,
    session: Session,
    settings: SettingsDep,
) -> MessageRead:
    """Edit your own message."""
    view = await edit.edit_message(
        session, settings, principal.user_id, channel_id, message_id, body.content
    )
    return message_read(view)


@router.delete(
    "/channels/{channel_id}/messages/{message_id:int}",
    status_code=204,
    responses=responses(401, 403, 404),
)
async def delete_message(
    channel_id: PathId, message_id: PathId, principal: CurrentPrincipal, session: Session
) -> None:
    """Delete a message (author or channel owner); a tombstone stays in the history, its
    attachments are deleted."""
    await attachments.delete_message(session, principal.user_id, channel_id, message_id)


@router.put(REACTION, status_code=204, responses=responses(400, 401, 403, 404))
async def add_reaction(
    channel_id: PathId,
    message_id: PathId,
    emoji: Emoji,
    principal: CurrentPrincipal,
    session: Session,
    settings: SettingsDep,
) -> None:
    """React with an emoji (again: no change); members receive MESSAGE_REACTION_ADD."""
    await reactions.add_reaction(
        session, settings, principal.user_id, channel_id, message_id, emoji
    )


@router.delete(REACTION, status_code=204, responses=responses(400, 401, 403, 404))
async def remove_reaction(
    channel_id: PathId,
    message_id: PathId,
    emoji: Emoji,
    principal: CurrentPrincipal,
    session: Session,
) -> None:
    """Take back your reaction; members receive MESSAGE_REACTION_REMOVE."""
    await reactions.remove_reaction(session, principal.user_id, channel_id, message_id, emoji)
