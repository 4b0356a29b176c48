"""Direct uploads (S3 only), for files too large to go through Parley: a member asks for a
slot, PUTs the file straight to the bucket with the presigned URL (its length and content type
signed), then completes the slot into an ordinary unsent upload, checked and sniffed like a
multipart one. A slot is completable until one more TTL after its URL expired; then it is
swept (row and object) when anyone next asks for a slot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from parley.infra.storage import DirectStorage, Storage
from parley.kit.time import utc_now
from parley.messaging import attachments
from parley.messaging import upload_repository as repository
from parley.messaging.errors import (
    AttachmentRejected,
    AttachmentTooLarge,
    DirectUploadsUnavailable,
    TooManyUploads,
    UploadIncomplete,
    UploadNotFound,
)
from parley.models import Attachment, AttachmentUpload
from parley.settings import Settings

SLOTS_PER_USER = 20  # open slots a user may hold at once
SWEEP_BATCH = 100  # expired slots swept per slot request
SNIFF_BYTES = 4096  # what `attachments.sniff` reads


@dataclass(frozen=True)
class Slot:
    upload: AttachmentUpload
    url: str
    headers: dict[str, str]


def _direct(storage: Storage) -> DirectStorage:
    if not isinstance(storage, DirectStorage):
        raise DirectUploadsUnavailable()
    return storage


def _check_size(size: int, settings: Settings) -> None:
    if size > settings.attachment_max_large_bytes:
        limit = settings.attachment_max_large_bytes
        raise AttachmentTooLarge(f"Direct uploads are at most {limit} bytes")


def _swept_before(settings: Settings, now: datetime) -> datetime:
    """Slots whose URL expired before this are past completing."""
    return now - timedelta(seconds=settings.attachment_upload_ttl_seconds)


async def sweep(session: AsyncSession, settings: Settings) -> None:
    """Drop a batch of slots past completing: rows now, objects after commit."""
    gone = await repository.expired(session, _swept_before(settings, utc_now()), SWEEP_BATCH)
    await repository.remove(session, [u.id for u in gone])
    attachments.purge(session, [], gone)


async def open_slot(
    session: AsyncSession,
    storage: Storage,
    settings: Settings,
    user_id: int,
    channel_id: int,
    *,
    filename: str,
    content_type: str,
    size: int,
) -> Slot:
    """A presigned PUT for one file of `size` bytes into a channel the caller may upload to."""
    direct = _direct(storage)
    channel = await attachments.writable_channel(session, user_id, channel_id)
    _check_size(size, settings)
    await sweep(session, settings)
    now = utc_now()
    if await repository.count_of(session, user_id, _swept_before(settings, now)) >= SLOTS_PER_USER:
        raise TooManyUploads()
    ttl = settings.attachment_upload_ttl_seconds
    upload = AttachmentUpload(
        channel_id=channel_id,
        uploader_id=user_id,
        key=attachments.new_key(channel_id),
        filename=attachments.clean_filename(filename),
        content_type=attachments.OPAQUE if channel.encrypted else content_type,
        size=size,
        expires_at=now + timedelta(seconds=ttl),
    )
    await repository.add(session, upload)
    url = await direct.presign_put(upload.key, upload.content_type, size, ttl)
    return Slot(upload, url, {"Content-Type": upload.content_type})


async def complete(
    session: AsyncSession,
    storage: Storage,
    settings: Settings,
    user_id: int,
    channel_id: int,
    upload_id: int,
    decoding: anyio.CapacityLimiter,
) -> Attachment:
    """The caller's slot, its file PUT, as an unsent upload (attach it when sending). Images
    up to `attachment_max_bytes` are re-encoded with a thumbnail as multipart ones are; larger
    ones are kept byte for byte as opaque files."""
    direct = _direct(storage)
    upload = await repository.get(session, upload_id)
    if (
        upload is None
        or upload.uploader_id != user_id
        or upload.channel_id != channel_id
        or upload.expires_at < _swept_before(settings, utc_now())
    ):
        raise UploadNotFound()
    channel = await attachments.writable_channel(session, user_id, channel_id)
    size = await direct.size_of(upload.key)
    if size is None:
        raise UploadIncomplete()
    _check_size(size, settings)
    if size != upload.size:
        raise AttachmentRejected(f"The uploaded file is not the {upload.size} bytes declared")
    sniffed = (
        attachments.OPAQUE
        if channel.encrypted
        else attachments.sniff(await direct.head_bytes(upload.key, SNIFF_BYTES))
    )
    data = None
    if sniffed == "image" and size > settings.attachment_max_bytes:
        sniffed = attachments.OPAQUE
    elif sniffed == "image":
        data = await direct.get(upload.key)
        if data is None:
            raise UploadIncomplete()
    incoming = attachments.Incoming(channel_id, user_id, upload.key, upload.filename, size)
    attachment = await attachments.record(
        session, storage, settings, incoming, sniffed, data, decoding
    )
    if not await repository.claim(session, upload.id):
        raise UploadNotFound()  # completed or swept meanwhile
    return attachment
