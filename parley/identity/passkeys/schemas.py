"""Native wire models of passkeys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class PasskeyOptions(BaseModel):
    challenge_id: str
    options: dict[str, Any] = Field(
        description="For `navigator.credentials.create()` / `.get()` (binary fields base64url)"
    )


class PasskeyRegistration(BaseModel):
    challenge_id: str = Field(min_length=1, max_length=64)
    credential: dict[str, Any] = Field(
        description="The PublicKeyCredential as JSON (`credential.toJSON()`)"
    )
    name: str | None = Field(default=None, max_length=100)


class PasskeyRename(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class PasskeyRemoval(BaseModel):
    current_password: str | None = Field(
        default=None,
        max_length=256,
        description="Required for an account with a password (else a recent sign-in)",
    )


class PasskeySignIn(BaseModel):
    challenge_id: str = Field(min_length=1, max_length=64)
    credential: dict[str, Any]
    device_id: str | None = Field(default=None, max_length=128)


class PasskeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    transports: list[str]
    device_type: str
    backed_up: bool
    created_at: datetime
    last_used_at: datetime | None


class PasskeyAdded(PasskeyRead):
    recovery_codes: list[str] | None = Field(
        default=None,
        description="With the account's first second factor: recovery codes, shown only now",
    )
