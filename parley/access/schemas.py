"""Native wire models for roles, apps, payloads and the menu."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RoleCreate(BaseModel):
    name: str = Field(min_length=1, max_length=64)


class RoleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str


class RoleList(BaseModel):
    roles: list[str] = Field(max_length=100)


class AppCreate(BaseModel):
    url: str = Field(min_length=1, max_length=500, examples=["https://schedule.example.com"])
    name: str = Field(min_length=1, max_length=200)
    super: bool = False
    roles: list[str] = Field(default_factory=list, max_length=100)


class AppRead(BaseModel):
    id: int
    url: str
    name: str
    super: bool
    roles: list[str]


class AppCreated(AppRead):
    token: str = Field(description="Shown once; only its hash is stored")


class AppToken(BaseModel):
    token: str


class UserAppPayload(BaseModel):
    url: str
    name: str
    payload: dict[str, object]


class MenuItem(BaseModel):
    url: str
    name: str
    role: str
