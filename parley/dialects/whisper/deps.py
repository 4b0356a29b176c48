"""Whisper's auth scheme: the token in `Authorization` (bare or Bearer), nothing else."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import APIKeyHeader
from starlette.requests import HTTPConnection

from parley.deps import get_runtime
from parley.errors import Unauthorized
from parley.identity.tokens import Principal, extract_token

authorization_header = APIKeyHeader(
    name="Authorization",
    auto_error=False,
    description="The token from `POST /api/v1/auth/login`, bare or as `Bearer <token>`",
    scheme_name="WhisperToken",
)


async def whisper_principal(
    conn: HTTPConnection,
    authorization: Annotated[str | None, Depends(authorization_header)] = None,
) -> Principal:
    token = extract_token(authorization)
    if not token:
        raise Unauthorized("Missing token")
    return await get_runtime(conn).auth.authenticate(token)


WhisperPrincipal = Annotated[Principal, Depends(whisper_principal)]
