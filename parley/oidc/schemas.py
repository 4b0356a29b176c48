"""Native wire models of the authorize step."""

from __future__ import annotations

from pydantic import BaseModel, Field

from parley.kit.openapi import ErrorBody


class AuthorizeRequest(BaseModel):
    query: str = Field(
        max_length=8192, description="The query string of the original `/oauth/authorize`"
    )
    consent: bool | None = Field(
        default=None,
        description="Absent on the first call; true (Allow) or false (Deny) from the consent"
        " screen",
    )


class ClientInfo(BaseModel):
    name: str
    url: str


class AuthorizeAnswer(BaseModel):
    redirect_to: str | None = Field(
        default=None, description="Send the browser here (`location.assign`)"
    )
    login_required: bool | None = Field(
        default=None,
        description="The client wants a fresher sign-in (`max_age`, `prompt=login`): sign the"
        " person in again, then repeat this call with the new token",
    )
    consent_required: bool | None = None
    client: ClientInfo | None = None
    scopes: list[str] | None = None


class OAuthError(BaseModel):
    """An OAuth 2 error (RFC 6749 §5.2), as relying-party libraries expect it."""

    error: str
    error_description: str | None = None


OAUTH_ERRORS: dict[int | str, dict[str, object]] = {
    400: {
        "model": OAuthError,
        "description": "OAuth error (`invalid_request`, `invalid_grant`, …)",
    },
    401: {"model": OAuthError, "description": "Client authentication failed or no valid bearer"},
    429: {"model": ErrorBody, "description": "Rate limited (see Retry-After)"},
}
