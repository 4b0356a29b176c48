"""Multipart uploads read after authentication.

FastAPI reads a route's `File()` body before it solves any dependency, so an upload would be
read whole before its token is checked. A route takes `UploadedFile = upload_file("name")`
after its auth dependency instead: the body is read only once the caller is known (and only up
to the upload limit, see `kit.body`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import UploadFile


def upload_file(name: str) -> Any:
    """A dependency yielding the multipart file field `name` (422 when it is missing)."""

    async def read(request: Request) -> AsyncIterator[UploadFile]:
        form = await request.form(max_files=1, max_fields=8)
        try:
            item = form.get(name)
            if not isinstance(item, UploadFile):
                raise RequestValidationError(
                    [{"type": "missing", "loc": ("body", name), "msg": "Field required"}]
                )
            yield item
        finally:
            await form.close()

    return Depends(read)


def upload_schema(name: str, description: str = "") -> dict[str, Any]:
    """`openapi_extra` describing the multipart body the dependency reads."""
    field: dict[str, Any] = {"type": "string", "format": "binary"}
    if description:
        field["description"] = description
    schema = {"type": "object", "required": [name], "properties": {name: field}}
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": schema}},
        }
    }
