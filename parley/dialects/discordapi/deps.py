"""DiscordApi's auth scheme: the JWT in `Authorization` (bare or Bearer)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from parley.deps import authenticate
from parley.errors import Forbidden
from parley.identity.sessions.tokens import Principal
from parley.kit.bearer import Bearer

bearer = Bearer(
    authenticate, description="The JWT, bare or as `Bearer <token>`", missing="Not authenticated"
)

# Every authenticated endpoint: 401 for a missing or bad token; the nginx gateway check
# answers 403 instead.
DiscordPrincipal = Annotated[Principal, Depends(bearer.required())]
GatewayPrincipal = Annotated[
    Principal, Depends(bearer.required(lambda _: Forbidden("Invalid token")))
]
