"""Native wire models for accounts, sessions and tokens."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class RegisterRequest(BaseModel):
    username: str = Field(min_length=3, max_length=32, examples=["alice"])
    email: str = Field(max_length=320, examples=["alice@example.com"])
    password: str = Field(min_length=8, max_length=256)
    display_name: str | None = Field(default=None, max_length=200)


class LoginRequest(BaseModel):
    login: str = Field(min_length=1, max_length=320, description="Username or email")
    password: str = Field(min_length=1, max_length=256)
    device_id: str | None = Field(default=None, max_length=128)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=256)


class ChangePasswordRequest(BaseModel):
    old_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=8, max_length=256)


class UserMe(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    email: str | None
    display_name: str | None
    first_name: str | None
    last_name: str | None
    second_name: str | None
    birthday: date | None
    bio: str | None
    status: str | None
    locale: str | None
    country: str | None
    created_at: datetime
    email_verified_at: datetime | None = None


class TokenPair(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name
    expires_in: int
    refresh_token: str | None
    session_id: int
    user: UserMe


class SessionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    surface: str
    device_id: str | None
    user_agent: str | None
    ip: str | None
    country: str | None
    created_at: datetime
    last_used_at: datetime
    current: bool = False


class RevokedCount(BaseModel):
    revoked: int
