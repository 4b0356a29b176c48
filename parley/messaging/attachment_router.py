"""Native attachments: upload into a channel (multipart, or direct to S3), fetch as a member."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from parley.deps import ImageDecodingDep, Session, SettingsDep, StorageDep
from parley.identity.accounts.deps import CurrentPrincipal
from parley.infra.storage import Storage
from parley.kit.body import upload_route
from parley.kit.ids import PathId
from parley.kit.openapi import responses
from parley.kit.uploads import upload_file, upload_schema
from parley.messaging import attachments, direct_uploads, uploads
from parley.messaging.errors import AttachmentTooLarge
from parley.messaging.schemas import AttachmentRead, UploadSlotCreate, UploadSlotRead

router = APIRouter(tags=["attachments"])

_FILE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {}}, "description": "The file"}
}


@router.post(
    "/channels/{channel_id}/attachments",
    status_code=201,
    response_model=AttachmentRead,
    responses=responses(400, 401, 403, 404, 413),
    openapi_extra=upload_schema("file", "Any file; in encrypted channels ciphertext"),
)
@upload_route("attachment_max_bytes")
async def upload_attachment(
    channel_id: PathId,
    principal: CurrentPrincipal,
    file: Annotated[UploadFile, upload_file("file")],
    session: Session,
    settings: SettingsDep,
    storage: StorageDep,
    image_decoding: ImageDecodingDep,
) -> AttachmentRead:
    """Upload a file into a channel; send it with a message's `attachment_ids`."""
    limit = settings.attachment_max_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise AttachmentTooLarge(f"Files are at most {limit} bytes")
    attachment = await attachments.upload(
        session,
        storage,
        settings,
        principal.user_id,
        channel_id,
        data,
        file.filename,
        image_decoding,
    )
    return AttachmentRead.model_validate(uploads.attachment_data(attachment))


@router.post(
    "/channels/{channel_id}/attachments/uploads",
    status_code=201,
    response_model=UploadSlotRead,
    responses=responses(400, 401, 403, 404, 409, 413),
)
async def open_upload_slot(
    channel_id: PathId,
    body: UploadSlotCreate,
    principal: CurrentPrincipal,
    session: Session,
    settings: SettingsDep,
    storage: StorageDep,
) -> UploadSlotRead:
    """A presigned URL to PUT a large file straight to the bucket (S3 backend only; 409
    `direct_uploads_unavailable` otherwise); then complete the slot."""
    slot = await direct_uploads.open_slot(
        session,
        storage,
        settings,
        principal.user_id,
        channel_id,
        filename=body.filename,
        content_type=body.content_type,
        size=body.size,
    )
    return UploadSlotRead(
        upload_id=slot.upload.id,
        url=slot.url,
        method="PUT",
        headers=slot.headers,
        expires_at=slot.upload.expires_at,
    )


@router.post(
    "/channels/{channel_id}/attachments/uploads/{upload_id}/complete",
    status_code=201,
    response_model=AttachmentRead,
    responses=responses(400, 401, 403, 404, 409, 413),
)
async def complete_upload_slot(
    channel_id: PathId,
    upload_id: PathId,
    principal: CurrentPrincipal,
    session: Session,
    settings: SettingsDep,
    storage: StorageDep,
    image_decoding: ImageDecodingDep,
) -> AttachmentRead:
    """The file PUT to your slot, checked, as an unsent upload (send it like a multipart one)."""
    attachment = await direct_uploads.complete(
        session,
        storage,
        settings,
        principal.user_id,
        channel_id,
        upload_id,
        image_decoding,
    )
    return AttachmentRead.model_validate(uploads.attachment_data(attachment))


async def _download(
    storage: Storage, session: Session, user_id: int, attachment_id: int, *, thumbnail: bool
) -> Response:
    found = await attachments.fetch(session, storage, user_id, attachment_id, thumbnail=thumbnail)
    disposition = "inline" if found.inline else "attachment"
    return Response(
        found.data,
        media_type=found.content_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(found.filename)}",
            "Cache-Control": "private, max-age=3600",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


@router.get(
    "/attachments/{attachment_id}", response_class=Response, responses=_FILE | responses(401, 404)
)
async def read_attachment(
    attachment_id: PathId, principal: CurrentPrincipal, session: Session, storage: StorageDep
) -> Response:
    """The file (members of its channel only)."""
    return await _download(storage, session, principal.user_id, attachment_id, thumbnail=False)


@router.get(
    "/attachments/{attachment_id}/thumbnail",
    response_class=Response,
    responses=_FILE | responses(401, 404),
)
async def read_attachment_thumbnail(
    attachment_id: PathId, principal: CurrentPrincipal, session: Session, storage: StorageDep
) -> Response:
    """An image's thumbnail (members of its channel only)."""
    return await _download(storage, session, principal.user_id, attachment_id, thumbnail=True)
