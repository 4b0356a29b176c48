"""Attachments on the send path: checked for a whole batch of drafts with one query, linked
to their messages with one statement, and shown in message payloads."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import Conflict
from parley.messaging import attachment_repository as repository
from parley.messaging.attachment_repository import AttachmentRow
from parley.messaging.errors import AttachmentNotFound, AttachmentRejected
from parley.models import Attachment
from parley.settings import Settings


def attachment_data(attachment: Attachment | AttachmentRow) -> dict[str, Any]:
    """An attachment in message payloads (REST and gateway)."""
    url = f"/v1/attachments/{attachment.id}"
    return {
        "id": attachment.id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "width": attachment.width,
        "height": attachment.height,
        "url": url,
        "thumbnail_url": f"{url}/thumbnail" if attachment.thumbnail_key else None,
    }


async def for_drafts(session: AsyncSession, ids: Collection[int]) -> dict[int, Attachment]:
    return await repository.by_ids(session, ids)


def check(
    author_id: int,
    channel_id: int,
    ids: Sequence[int],
    found: dict[int, Attachment],
    taken: set[int],
    settings: Settings,
) -> None:
    """The draft's attachments must be the author's unsent uploads into the same channel,
    at most `attachment_max_per_message`, none used by another draft of the batch."""
    if len(ids) > settings.attachment_max_per_message:
        raise AttachmentRejected(
            f"A message has at most {settings.attachment_max_per_message} attachments"
        )
    for attachment_id in ids:
        attachment = found.get(attachment_id)
        if (
            attachment is None
            or attachment.uploader_id != author_id
            or attachment.channel_id != channel_id
            or attachment.message_id is not None
            or attachment_id in taken
        ):
            raise AttachmentNotFound("No such unsent upload of yours in this channel")
    taken.update(ids)


async def link(session: AsyncSession, sent: Sequence[tuple[int, Sequence[int]]]) -> None:
    """Attach (message id, attachment ids) pairs; Conflict when another send took one."""
    links = {aid: message_id for message_id, ids in sent for aid in ids}
    if await repository.link(session, links) != len(links):
        raise Conflict("An attachment was sent with another message meanwhile")


async def of_messages(
    session: AsyncSession, message_ids: Collection[int]
) -> dict[int, list[AttachmentRow]]:
    found: dict[int, list[AttachmentRow]] = {}
    for attachment in await repository.shown_of_messages(session, message_ids):
        found.setdefault(attachment.message_id, []).append(attachment)
    return found
