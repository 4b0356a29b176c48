"""Uploading and fetching attachments. Uploads go through Parley into the storage backend
(or straight to S3: `direct_uploads`) under the private `attachments/` prefix; only members
of the channel fetch them, through an authorized route. Files are sniffed (the client's
content type is ignored); images are re-encoded without metadata, with a thumbnail, in a
worker thread. In encrypted channels a file is the client's ciphertext: stored as opaque
bytes, never inspected."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from parley import events
from parley.db import emit
from parley.infra.bus import Event
from parley.infra.storage import PRIVATE_PREFIX, Storage
from parley.kit import images
from parley.kit.secrets import new_token
from parley.messaging import attachment_repository as repository
from parley.messaging import members, service
from parley.messaging import repository as channels
from parley.messaging import upload_repository as slot_repository
from parley.messaging.errors import (
    AttachmentNotFound,
    AttachmentRejected,
    AttachmentTooLarge,
    ChannelNotFound,
)
from parley.models import Attachment, AttachmentUpload, Channel
from parley.settings import Settings

log = logging.getLogger("parley.attachments")

OPAQUE = "application/octet-stream"
MAX_FILENAME = 255

# (magic bytes, offset, content type) for the common non-image types; anything else is opaque.
_SIGNATURES: list[tuple[bytes, int, str]] = [
    (b"%PDF-", 0, "application/pdf"),
    (b"PK\x03\x04", 0, "application/zip"),
    (b"\x1f\x8b", 0, "application/gzip"),
    (b"ID3", 0, "audio/mpeg"),
    (b"OggS", 0, "audio/ogg"),
    (b"\x1a\x45\xdf\xa3", 0, "video/webm"),
    (b"ftyp", 4, "video/mp4"),
]
_IMAGES: list[tuple[bytes, int]] = [
    (b"\x89PNG\r\n\x1a\n", 0),
    (b"\xff\xd8\xff", 0),
    (b"GIF87a", 0),
    (b"GIF89a", 0),
    (b"WEBP", 8),
]


@dataclass(frozen=True)
class StoredFile:
    data: bytes
    content_type: str
    filename: str
    inline: bool  # an image a browser may show in place


@dataclass(frozen=True)
class Incoming:
    """A file bound for a channel, before it is recorded."""

    channel_id: int
    uploader_id: int
    key: str
    filename: str
    size: int


def _matches(data: bytes, magic: bytes, offset: int) -> bool:
    return data[offset : offset + len(magic)] == magic


def sniff(data: bytes) -> str:
    """The content type the bytes show ("image" for the image formats we re-encode)."""
    if any(_matches(data, magic, offset) for magic, offset in _IMAGES):
        return "image"
    for magic, offset, content_type in _SIGNATURES:
        if _matches(data, magic, offset):
            return content_type
    try:
        text = data[:4096].decode("utf-8")
    except UnicodeDecodeError as exc:  # a multi-byte character cut at the boundary is fine
        if exc.start < len(data[:4096]) - 3:
            return OPAQUE
        text = data[: exc.start].decode("utf-8")
    return OPAQUE if "\x00" in text else "text/plain; charset=utf-8"


def clean_filename(filename: str | None) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"')
    return name[:MAX_FILENAME] or "file"


def new_key(channel_id: int) -> str:
    return f"{PRIVATE_PREFIX}{channel_id}/{new_token(16)}"


async def writable_channel(session: AsyncSession, user_id: int, channel_id: int) -> Channel:
    """A channel the caller may upload into: a member (else ChannelNotFound), not Blocked in
    a blocked direct channel."""
    channel, _ = await service.member_channel(session, user_id, channel_id)
    await service.recipients(session, channel, user_id)
    return channel


async def upload(
    session: AsyncSession,
    storage: Storage,
    settings: Settings,
    user_id: int,
    channel_id: int,
    data: bytes,
    filename: str | None,
    decoding: anyio.CapacityLimiter,
) -> Attachment:
    """Store a file in a channel as the caller's unsent upload (attach it when sending)."""
    channel = await writable_channel(session, user_id, channel_id)
    if len(data) > settings.attachment_max_bytes:
        raise AttachmentTooLarge(f"Files are at most {settings.attachment_max_bytes} bytes")
    if not data:
        raise AttachmentRejected("The file is empty")
    sniffed = OPAQUE if channel.encrypted else sniff(data)
    return await record(
        session,
        storage,
        settings,
        Incoming(channel_id, user_id, new_key(channel_id), clean_filename(filename), len(data)),
        sniffed,
        data,
        decoding,
    )


async def record(
    session: AsyncSession,
    storage: Storage,
    settings: Settings,
    upload: Incoming,
    sniffed: str,
    data: bytes | None,
    decoding: anyio.CapacityLimiter,
) -> Attachment:
    """Record an unsent upload: `data` is stored under its key first, re-encoded (with a
    thumbnail, `decoding` bounding the images decoded at once) when `sniffed` says "image";
    None when the object is stored already (then `sniffed` is not "image")."""
    name, content_type, size = upload.filename, sniffed, upload.size
    width = height = None
    thumbnail_key = None
    if data is not None and sniffed == "image":
        original = data
        try:
            image = await anyio.to_thread.run_sync(
                lambda: images.process_image(
                    original,
                    max_pixels=settings.attachment_max_pixels,
                    max_side=settings.attachment_max_side,
                    thumb_side=settings.attachment_thumb_side,
                ),
                limiter=decoding,
            )
        except images.ImageRejected as exc:
            raise AttachmentRejected(str(exc)) from exc
        data, content_type = image.image, images.OUTPUT_CONTENT_TYPE
        width, height = image.width, image.height
        thumbnail_key = f"{upload.key}-thumb"
        await storage.put(thumbnail_key, image.thumbnail, content_type)
        name = f"{name.rsplit('.', 1)[0] or 'image'}.{images.OUTPUT_EXTENSION}"
    if data is not None:
        await storage.put(upload.key, data, content_type)
        size = len(data)
    attachment = Attachment(
        channel_id=upload.channel_id,
        uploader_id=upload.uploader_id,
        key=upload.key,
        thumbnail_key=thumbnail_key,
        filename=name,
        content_type=content_type,
        size=size,
        width=width,
        height=height,
    )
    await repository.add(session, attachment)
    return attachment


async def fetch(
    session: AsyncSession, storage: Storage, user_id: int, attachment_id: int, *, thumbnail: bool
) -> StoredFile:
    """A member's download. Not found for non-members, for an unsent upload of someone
    else, and for a message since deleted; Blocked in a blocked direct channel."""
    attachment = await repository.get(session, attachment_id)
    if attachment is None:
        raise AttachmentNotFound()
    try:
        channel, _ = await service.member_channel(session, user_id, attachment.channel_id)
    except ChannelNotFound as exc:
        raise AttachmentNotFound() from exc
    if attachment.message_id is None and attachment.uploader_id != user_id:
        raise AttachmentNotFound()
    if channel.kind == "dm":
        await service.recipients(session, channel, user_id)
    key = attachment.thumbnail_key if thumbnail else attachment.key
    data = await storage.get(key) if key else None
    if data is None:
        raise AttachmentNotFound()
    inline = attachment.content_type.startswith("image/")
    return StoredFile(data, attachment.content_type, attachment.filename, inline)


def purge(
    session: AsyncSession, gone: Sequence[Attachment], slots: Sequence[AttachmentUpload] = ()
) -> None:
    """Delete the objects of attachments and upload slots whose rows go, after commit."""
    keys = [k for a in gone for k in (a.key, a.thumbnail_key) if k] + [u.key for u in slots]
    if keys:
        emit(session, events.AttachmentPurged(keys=tuple(keys)))


async def delete_message(
    session: AsyncSession, user_id: int, channel_id: int, message_id: int
) -> None:
    """`service.delete_message`, and its attachments go: rows now, objects after commit."""
    await service.delete_message(session, user_id, channel_id, message_id)
    gone = await repository.of_messages(session, [message_id])
    await repository.remove(session, [a.id for a in gone])
    purge(session, gone)


async def delete_channel(session: AsyncSession, user_id: int, channel_id: int) -> None:
    """`service.delete_channel`, and every file of the channel goes after commit."""
    gone = await repository.of_channel(session, channel_id)
    slots = await slot_repository.of_channel(session, channel_id)
    await service.delete_channel(session, user_id, channel_id)
    purge(session, gone, slots)


async def remove_member(
    session: AsyncSession, user_id: int, channel_id: int, member_id: int
) -> None:
    """`members.remove_member`; when the last member left (the group is deleted), every file
    of the channel goes after commit."""
    last_out = await channels.member_ids(session, channel_id) == [member_id]
    gone = await repository.of_channel(session, channel_id) if last_out else []
    slots = await slot_repository.of_channel(session, channel_id) if last_out else []
    await members.remove_member(session, user_id, channel_id, member_id)
    purge(session, gone, slots)


async def delete_uploads_of(session: AsyncSession, user_id: int) -> None:
    """Every upload and upload slot of a user (account deletion): rows now, objects after
    commit."""
    gone = await repository.of_author(session, user_id)
    slots = await slot_repository.of_author(session, user_id)
    await repository.remove(session, [a.id for a in gone])
    await slot_repository.remove(session, [u.id for u in slots])
    purge(session, gone, slots)


def purger(storage: Storage) -> Callable[[Event], Awaitable[None]]:
    """The bus handler that deletes purged objects once their rows are committed gone."""

    async def purge(event: Event) -> None:
        for key in event.payload.get("keys") or ():
            try:
                await storage.delete(str(key))
            except Exception:  # an orphaned object must not stop the others
                log.warning("could not delete an attachment object", extra={"key": key})

    return purge
