"""Native wire models for the verified email change."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class EmailChangeRequest(BaseModel):
    email: str | None = Field(max_length=320, description="The new address; null removes it")
    current_password: str | None = Field(
        default=None,
        max_length=256,
        description="Required when the account has a password; without one, the session"
        " must have signed in within the last few minutes",
    )


class EmailChangeRead(BaseModel):
    status: Literal["pending", "cleared", "unchanged"]
    pending_email: str | None = None
    expires_in: int | None = Field(default=None, description="Seconds the code stays valid")
