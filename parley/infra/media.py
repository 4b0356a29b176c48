"""GET /media/{key}: objects of the `file` storage backend, with content type and cache headers."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from parley.deps import RuntimeDep
from parley.errors import NotFound
from parley.infra.storage import (
    CACHE_CONTROL,
    PRIVATE_PREFIX,
    FileStorage,
    InvalidKey,
    content_type_for,
)

router = APIRouter(tags=["media"])


@router.get("/media/{key:path}", include_in_schema=False)
async def read_media(key: str, rt: RuntimeDep) -> FileResponse:
    storage = rt.storage
    # attachments are private: only their channel's members fetch them, through /v1
    if not isinstance(storage, FileStorage) or key.startswith(PRIVATE_PREFIX):
        raise NotFound("No such file")
    try:
        path = storage.path(key)
    except InvalidKey as exc:
        raise NotFound("No such file") from exc
    if not path.is_file():
        raise NotFound("No such file")
    return FileResponse(
        path,
        media_type=content_type_for(key),
        headers={"Cache-Control": CACHE_CONTROL, "X-Content-Type-Options": "nosniff"},
    )
