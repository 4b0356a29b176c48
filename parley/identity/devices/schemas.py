"""Native wire models for devices, codes, email verification and password reset."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class LoginVerifyRequest(BaseModel):
    challenge: str = Field(min_length=1, max_length=64)
    code: str = Field(min_length=1, max_length=12, examples=["123456"])
    device_id: str | None = Field(default=None, max_length=128)


class DeviceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    device_id: str
    first_seen_at: datetime
    last_seen_at: datetime
    ip: str | None
    country: str | None
    user_agent: str | None


class LinkToken(BaseModel):
    token: str = Field(min_length=1, max_length=128)


class CodeRequest(BaseModel):
    code: str = Field(min_length=1, max_length=12)


class EmailRequest(BaseModel):
    email: str = Field(min_length=1, max_length=320)


class PasswordResetConfirm(BaseModel):
    new_password: str = Field(min_length=8, max_length=256)
    token: str | None = Field(default=None, max_length=128)
    email: str | None = Field(default=None, max_length=320)
    code: str | None = Field(default=None, max_length=12)


class Accepted(BaseModel):
    status: str = "accepted"
    detail: str


class Revoked(BaseModel):
    revoked: int
