"""Sending messages: drafts checked and stored together, however many (the message writer's
group commit; every send goes through it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from parley import events
from parley.db import emit
from parley.errors import ParleyError
from parley.kit.time import utc_now
from parley.messaging import mentions, repository, uploads
from parley.messaging.errors import ChannelNotFound, MessageNotFound
from parley.messaging.payloads import message_data
from parley.messaging.service import audience
from parley.messaging.validation import check_content
from parley.models import Channel, Message
from parley.settings import Settings


@dataclass(frozen=True)
class Draft:
    """A message someone asked to send, not yet checked or stored."""

    author_id: int
    channel_id: int
    content: str
    reply_to_id: int | None = None
    attachment_ids: tuple[int, ...] = ()  # the author's unsent uploads into the channel


async def send_messages(
    session: AsyncSession, settings: Settings, drafts: Sequence[Draft]
) -> list[Message | ParleyError]:
    """Check and store several messages in the session's transaction, with a fixed number
    of queries however many there are. Each draft is judged on its own: the outcome at its
    position is its stored message or the error that refused it."""
    channels, names = await repository.channels_with_members(
        session, {d.channel_id for d in drafts}, with_names=any("@" in d.content for d in drafts)
    )
    blocks = await repository.blocks_involving(session, {d.author_id for d in drafts})
    replies = await repository.message_channels(
        session, {d.reply_to_id for d in drafts if d.reply_to_id is not None}
    )
    files = await uploads.for_drafts(session, {a for d in drafts for a in d.attachment_ids})
    taken: set[int] = set()
    outcomes: list[Message | ParleyError | None] = []
    kept: list[tuple[Draft, mentions.Outgoing]] = []
    for draft in drafts:
        try:
            user_ids = _draft_recipients(draft, channels, blocks, replies, settings)
            uploads.check(
                draft.author_id, draft.channel_id, draft.attachment_ids, files, taken, settings
            )
        except ParleyError as exc:
            outcomes.append(exc)
            continue
        outcomes.append(None)  # its stored message, once inserted
        channel = channels[draft.channel_id][0]
        kept.append((draft, mentions.Outgoing(channel, draft.author_id, draft.content, user_ids)))
    found = mentions.resolve(settings, names, [out for _, out in kept])
    rows = [
        {
            "channel_id": draft.channel_id,
            "author_id": draft.author_id,
            "content": draft.content,
            "reply_to_id": draft.reply_to_id,
            "mention_ids": named.user_ids or None,
            "mention_everyone": named.everyone,
            "created_at": utc_now(),
        }
        for (draft, _), named in zip(kept, found, strict=True)
    ]
    inserted = iter(await repository.insert_messages(session, rows) if rows else [])
    results: list[Message | ParleyError] = [
        outcome if outcome is not None else next(inserted) for outcome in outcomes
    ]
    sent = [result for result in results if isinstance(result, Message)]
    await uploads.link(
        session, [(m.id, d.attachment_ids) for m, (d, _) in zip(sent, kept, strict=True)]
    )
    for message, (draft, out) in zip(sent, kept, strict=True):
        files_data = tuple(uploads.attachment_data(files[a]) for a in draft.attachment_ids)
        data = events.SentMessageData(**message_data(message).model_dump(), attachments=files_data)
        emit(session, events.MessageCreated(user_ids=tuple(out.recipients), data=data))
    await mentions.store(session, list(zip(sent, found, strict=True)))
    return results


def _draft_recipients(
    draft: Draft,
    channels: dict[int, tuple[Channel, list[int]]],
    blocks: set[tuple[int, int]],
    replies: dict[int, int],
    settings: Settings,
) -> list[int]:
    """Who receives the draft: the channel's members with no block either way with the
    author (the author among them). Raises why the draft cannot be sent."""
    channel, members = channels.get(draft.channel_id, (None, []))
    if channel is None or draft.author_id not in members:
        raise ChannelNotFound()
    recipients = audience(channel, members, draft.author_id, blocks)
    if draft.content or not draft.attachment_ids:  # files may go without text
        check_content(channel, draft.content, settings)
    if draft.reply_to_id is not None and replies.get(draft.reply_to_id) != draft.channel_id:
        raise MessageNotFound("The replied message is not in this channel")
    return recipients
