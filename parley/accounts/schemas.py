"""Native wire models for a person's own account."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from parley.identity.sessions.schemas import UserMe
from parley.messaging.schemas import MessageRead
from parley.social.schemas import UserBrief


class AccountDelete(BaseModel):
    password: str = Field(min_length=1, max_length=256)


class ExportedSession(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    surface: str
    user_agent: str | None
    ip: str | None
    country: str | None
    created_at: datetime
    last_used_at: datetime
    revoked_at: datetime | None


class ExportedChannel(BaseModel):
    id: int
    kind: str
    name: str | None
    encrypted: bool
    joined_at: datetime
    last_read_message_id: int | None


class ExportedReaction(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    message_id: int
    emoji: str
    created_at: datetime


class AccountExportRead(BaseModel):
    exported_at: datetime
    user: UserMe
    sessions: list[ExportedSession]
    friends: list[UserBrief]
    blocked: list[UserBrief]
    channels: list[ExportedChannel]
    messages: list[MessageRead] = Field(description="Every message you wrote, oldest first")
    reactions: list[ExportedReaction]
