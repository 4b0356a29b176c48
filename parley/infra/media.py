"""GET /media/{key}: objects of the `file` storage backend, with content type and cache headers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse
from starlette.requests import HTTPConnection

from parley.errors import NotFound
from parley.infra.storage import (
    CACHE_CONTROL,
    PRIVATE_PREFIX,
    FileStorage,
    InvalidKey,
    Storage,
    content_type_for,
)

router = APIRouter(tags=["media"])


async def app_storage(conn: HTTPConnection) -> Storage:
    """The storage of the app's runtime (`app.state.runtime`, set by `create_app`); read
    here so that infra does not import the request layer (`parley.deps`) built on it."""
    storage: Storage = conn.app.state.runtime.storage
    return storage


@router.get("/media/{key:path}", include_in_schema=False)
async def read_media(key: str, storage: Annotated[Storage, Depends(app_storage)]) -> FileResponse:
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
