"""Native wire models for provider sign-in."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ProviderRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str = Field(examples=["yandex"])
    title: str = Field(examples=["Yandex ID"])
    flow: str = Field(
        description="`oauth_token` (Yandex), `id_token` (VK, Google) or `bot_code` (Telegram)"
    )
    authorize_url: bool = Field(description="Whether GET …/authorize-url serves this provider")
    bot_name: str | None = None


class AuthorizeUrlRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    provider: str
    url: str
    state: str | None = Field(default=None, description="Signed; send it back with sign-in")
    code: str | None = Field(
        default=None, description="Telegram: the code to sign in with after the bot confirmed"
    )


class TelegramWidget(BaseModel):
    """The fields of a Telegram Login Widget callback, exactly as Telegram sent them."""

    model_config = ConfigDict(extra="allow")

    id: int
    auth_date: int
    hash: str = Field(min_length=1, max_length=128)

    def fields(self) -> dict[str, str]:
        return {key: str(value) for key, value in self.model_dump().items() if value is not None}


class ProviderCredentialIn(BaseModel):
    token: str | None = Field(
        default=None,
        min_length=1,
        max_length=8192,
        description="Yandex OAuth token, VK ID or Google ID token, or the Telegram bot code",
    )
    widget: TelegramWidget | None = None

    @model_validator(mode="after")
    def _one_of(self) -> ProviderCredentialIn:
        if (self.token is None) == (self.widget is None):
            raise ValueError("send either `token` or `widget`")
        return self


class ProviderSignIn(ProviderCredentialIn):
    state: str | None = Field(default=None, max_length=256)
    device_id: str | None = Field(default=None, max_length=128)


class IdentityRead(BaseModel):
    provider: str
    external_id: str
    name: str | None
    username: str | None
    email: str | None
    avatar_url: str | None
    created_at: datetime
    last_login_at: datetime | None

    @model_validator(mode="before")
    @classmethod
    def _from_model(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return value
        profile = getattr(value, "profile", None) or {}
        return {
            "provider": value.provider,
            "external_id": value.external_id,
            "name": profile.get("name"),
            "username": profile.get("username"),
            "email": profile.get("email"),
            "avatar_url": profile.get("avatar"),
            "created_at": value.created_at,
            "last_login_at": value.last_login_at,
        }
