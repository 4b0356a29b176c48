"""Whisper's auth scheme: the token in `Authorization` (bare or Bearer), nothing else."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from parley.identity.accounts.deps import authenticate
from parley.identity.sessions.tokens import Principal
from parley.kit.bearer import Bearer

bearer = Bearer(
    authenticate,
    description="The token from `POST /api/v1/auth/login`, bare or as `Bearer <token>`",
    scheme_name="WhisperToken",
    missing="Missing token",
)

WhisperPrincipal = Annotated[Principal, Depends(bearer.required())]
OptionalWhisperPrincipal = Annotated[Principal | None, Depends(bearer.optional())]
