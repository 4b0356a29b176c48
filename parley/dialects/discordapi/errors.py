"""DiscordApi errors: FastAPI's own `{"detail": ...}` bodies, with the seed's status codes."""

from __future__ import annotations

from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from parley.dialects.kit import message_of, status_of
from parley.errors import Conflict, Invalid, RateLimited


def render(exc: Exception) -> Response:
    if isinstance(exc, RequestValidationError):
        return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
    status = status_of(exc)
    if isinstance(exc, Conflict | Invalid):
        status = 400  # the seed answers 400 for every refused input
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return JSONResponse({"detail": message_of(exc)}, status_code=status, headers=headers)
