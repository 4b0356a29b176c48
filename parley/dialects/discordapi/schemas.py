"""DiscordApi wire models, field names as the seed spells them."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Detail(BaseModel):
    detail: str


class RegisterBody(BaseModel):
    username: str = Field(max_length=64)
    email: str = Field(max_length=320)
    description: str | None = Field(default=None, max_length=2000)
    status: str | None = Field(default=None, max_length=200)
    password: str = Field(max_length=256)
