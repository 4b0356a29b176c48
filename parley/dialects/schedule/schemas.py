"""Schedule wire models, field names as the seed spells them (camelCase)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from parley.kit.ids import MAX_ID

Text = Annotated[str, Field(max_length=4000)]


class AuthBody(BaseModel):
    authMethod: str = Field(max_length=16, examples=["VK"])
    idToken: str = Field(max_length=8192)
    fullName: str | None = Field(default=None, max_length=200, examples=["OLEG ALO"])
    avatarUrl: str | None = Field(default=None, max_length=2000)
    externalUserId: (
        Annotated[int, Field(ge=0, le=MAX_ID)] | Annotated[str, Field(max_length=128)] | None
    ) = Field(default=None, examples=[43141])


class RefreshBody(BaseModel):
    refreshToken: str = Field(min_length=1, max_length=512)


class Tokens(BaseModel):
    accessToken: str
    refreshToken: str


class VariantItem(BaseModel):
    subjectName: str = Field(max_length=200, examples=["Физика"])
    variant: int = Field(ge=0, le=1_000_000, examples=[5])


class Profile(BaseModel):
    id: int
    bio: str
    fullName: str
    role: str = Field(examples=["STUDENT"], description="STUDENT | DEV | AWARDED")
    contacts: dict[str, str]
    variants: list[VariantItem]


class ProfileUpdate(BaseModel):
    """Fields present replace; absent ones stay. `id` and `role` may be echoed back unchanged
    (a client may PUT what it read): another `id` or another `role` is 403."""

    model_config = ConfigDict(extra="ignore")

    id: int | None = None
    bio: Text | None = None
    fullName: str | None = Field(default=None, max_length=200)
    role: str | None = Field(default=None, max_length=32)
    contacts: (
        dict[Annotated[str, Field(max_length=32)], Annotated[str, Field(max_length=200)]] | None
    ) = Field(default=None, max_length=32)
    variants: list[VariantItem] | None = Field(default=None, max_length=50)


class DataVersions(BaseModel):
    scheduleVersion: int
    profileVersion: int


class ErrorBody(BaseModel):
    error: str = Field(examples=["unauthorized"])
    message: str
