"""Native wire models for push notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class PushKeys(BaseModel):
    p256dh: str = Field(max_length=256)
    auth: str = Field(max_length=256)


class SubscriptionCreate(BaseModel):
    kind: Literal["webpush", "fcm"]
    endpoint: str = Field(
        min_length=1,
        max_length=1000,
        description="The Web Push endpoint URL, or the FCM registration token",
    )
    keys: PushKeys | None = Field(default=None, description="Web Push only")


class SubscriptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    endpoint: str
    created_at: datetime


class MuteState(BaseModel):
    muted: bool


class NotificationSettings(BaseModel):
    push_enabled: bool


class VapidKey(BaseModel):
    public_key: str | None = Field(description="The applicationServerKey; null: no Web Push")
