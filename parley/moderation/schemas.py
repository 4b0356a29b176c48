"""Native wire models for moderation."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from parley.messaging.schemas import MessageRead
from parley.social.schemas import UserBrief


class AccountState(BaseModel):
    id: int
    username: str
    disabled_at: datetime | None


class ReportCreate(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


class ReportCreated(BaseModel):
    id: int
    message_id: int
    reason: str
    created_at: datetime


class ReportRead(BaseModel):
    id: int
    reason: str
    created_at: datetime
    reporter: UserBrief
    message: MessageRead


class ReportsPage(BaseModel):
    items: list[ReportRead] = Field(description="Newest first")
    next_cursor: int | None = Field(description="Pass as `before` for the next page")
