"""Message history as members read it: keyset pages with cursors both ways, each message
with its reactions as the viewer sees them; the plain pages the dialects read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import Invalid
from parley.kit.ids import MAX_ID
from parley.messaging import history_repository as repository
from parley.messaging import reactions, uploads
from parley.messaging.attachment_repository import AttachmentRow
from parley.messaging.history_repository import MessageRow
from parley.messaging.reactions import ReactionCount
from parley.messaging.send import Draft
from parley.messaging.service import check_member
from parley.models import Message
from parley.settings import Settings

if TYPE_CHECKING:
    from parley.messaging.writer import MessageWriter


@dataclass(frozen=True)
class MessageView:
    message: Message | MessageRow
    reactions: list[ReactionCount]
    attachments: list[AttachmentRow]


@dataclass(frozen=True)
class HistoryPage:
    items: list[MessageView]  # newest first
    next_before: int | None  # pass as `before` for older messages; None: none older
    next_after: int | None  # pass as `after` for newer messages; None: none newer (yet)


@dataclass(frozen=True)
class MessagesPage:
    items: list[MessageRow]
    next_cursor: int | None  # pass as `before` for the next (older) page


async def views(
    session: AsyncSession, viewer_id: int, messages: Sequence[Message | MessageRow]
) -> list[MessageView]:
    """The messages with their reactions and attachments (two queries however many)."""
    live = [m.id for m in messages if m.deleted_at is None]
    found = await reactions.reactions_for(session, viewer_id, live)
    files = await uploads.of_messages(session, live)
    return [MessageView(m, found.get(m.id, []), files.get(m.id, [])) for m in messages]


async def list_messages(
    session: AsyncSession,
    user_id: int,
    channel_id: int,
    *,
    before: int | None = None,
    after: int | None = None,
    around: int | None = None,
    limit: int = 50,
) -> HistoryPage:
    """Newest first. `before`/`after` are exclusive keyset bounds; `around` centres the
    page on a message (included when it exists)."""
    if not 1 <= limit <= 100:
        raise Invalid("limit is 1-100")
    if around is not None and (before is not None or after is not None):
        raise Invalid("around cannot be combined with before or after")
    if around is None:
        rows, older_exist, newer_exist = await repository.page(
            session, user_id, channel_id, before=before, after=after, limit=limit
        )
        if not rows:  # the page checks membership too, but says nothing of why it is empty
            await check_member(session, user_id, channel_id)
    else:
        await check_member(session, user_id, channel_id)
        # `around` itself is included; the largest id has nothing above it to exclude. One
        # row more than asked each way tells whether more lies beyond.
        half_older, half_newer = (limit + 1) // 2, limit // 2
        older = await repository.list_messages(
            session,
            channel_id,
            before=around + 1 if around < MAX_ID else None,
            limit=half_older + 1,
        )
        newer = await repository.list_messages(
            session, channel_id, after=around, limit=half_newer + 1
        )
        older_exist, newer_exist = len(older) > half_older, len(newer) > half_newer
        rows = (newer[1:] if newer_exist else newer) + older[:half_older]
    next_before = rows[-1].id if rows and older_exist else None
    next_after = rows[0].id if rows and newer_exist else None
    return HistoryPage(await views(session, user_id, rows), next_before, next_after)


async def send_message(writer: MessageWriter, session: AsyncSession, draft: Draft) -> MessageView:
    """Send through the message writer; the answer shows the attached files."""
    message = await writer.send(draft)
    if not draft.attachment_ids:
        return MessageView(message, [], [])
    return (await views(session, draft.author_id, [message]))[0]


async def message_page(
    session: AsyncSession, user_id: int, channel_id: int, *, before: int | None, limit: int
) -> MessagesPage:
    """Newest first with the cursor of the next older page (None at the oldest)."""
    if not 1 <= limit <= 100:
        raise Invalid("limit is 1-100")
    await check_member(session, user_id, channel_id)
    rows = await repository.list_messages(session, channel_id, before=before, limit=limit + 1)
    items = rows[:limit]
    return MessagesPage(items, items[-1].id if len(rows) > limit else None)


async def list_messages_offset(
    session: AsyncSession,
    settings: Settings,
    user_id: int,
    channel_id: int,
    *,
    offset: int,
    limit: int,
) -> list[MessageRow]:
    """Offset paging over newest-first order, bounded (DiscordApi's contract only)."""
    if offset < 0 or offset > settings.offset_paging_max:
        raise Invalid(f"offset is 0-{settings.offset_paging_max}")
    if not 1 <= limit <= 100:
        raise Invalid("limit is 1-100")
    await check_member(session, user_id, channel_id)
    return await repository.list_messages_offset(session, channel_id, offset=offset, limit=limit)
