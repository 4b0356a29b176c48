"""OpenAPI helpers shared by the native routers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


_DESCRIPTIONS = {
    400: "Invalid request",
    401: "Missing, invalid or revoked token",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    413: "Too large",
    423: "Locked",
    429: "Rate limited (see Retry-After)",
    502: "Provider error",
    503: "Temporarily unavailable (see Retry-After)",
    504: "Provider timeout",
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer with, and 503 (the database
    is unavailable; see Retry-After), which every route that reaches it can answer."""
    return {
        code: {"model": ErrorBody, "description": _DESCRIPTIONS[code]}
        for code in sorted({*codes, 503})
    }
