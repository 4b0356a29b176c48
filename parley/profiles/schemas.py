"""Native wire models for profiles, search and data versions."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from parley.identity.recovery.schemas import EmailChangeRead


class UserPublic(BaseModel):
    """What anyone signed in may see about a user."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str | None
    first_name: str | None
    last_name: str | None
    second_name: str | None
    bio: str | None
    status: str | None
    contacts: dict[str, str]
    country: str | None
    avatar_url: str | None = None
    avatar_thumbnail_url: str | None = None


class ProfileMe(UserPublic):
    email: str | None
    birthday: date | None
    locale: str | None
    profile_version: int
    created_at: datetime


class ProfileUpdate(BaseModel):
    """Fields to change; absent fields stay, `null` clears."""

    model_config = ConfigDict(extra="forbid")

    username: str | None = Field(default=None, min_length=3, max_length=32)
    email: str | None = Field(default=None, max_length=320)
    display_name: str | None = Field(default=None, max_length=200)
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    second_name: str | None = Field(default=None, max_length=100)
    birthday: date | None = None
    bio: str | None = Field(default=None, max_length=4000)
    status: str | None = Field(default=None, max_length=200)
    contacts: dict[str, str] | None = None
    locale: str | None = Field(default=None, max_length=35)
    country: str | None = Field(default=None, min_length=2, max_length=2)
    current_password: str | None = Field(
        default=None,
        max_length=256,
        description="Needed to change the username or email (see POST /v1/users/me/email)",
    )


class ProfileUpdated(ProfileMe):
    email_change: EmailChangeRead | None = Field(
        default=None, description="Set when `email` was asked to change: pending until confirmed"
    )


class UserPage(BaseModel):
    items: list[UserPublic]
    next_after: str | None = Field(description="Pass as `after` for the next page; null at the end")


class DataVersionsRead(BaseModel):
    profile_version: int
    schedule_version: int


class ScheduleVersion(BaseModel):
    schedule_version: int
