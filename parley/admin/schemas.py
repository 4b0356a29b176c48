"""Wire models of the admin console's API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class Reauth(BaseModel):
    """A destructive action: the administrator's own password (an account without one
    needs a recent sign-in instead)."""

    current_password: str | None = Field(default=None, max_length=1024)


class UserSummary(BaseModel):
    id: int
    username: str
    email: str | None
    created_at: datetime
    disabled_at: datetime | None


class UsersPage(BaseModel):
    items: list[UserSummary]
    next_cursor: int | None = Field(description="Pass as `after` for the next page")


class DeviceRead(BaseModel):
    id: int
    device_id: str
    ip: str | None
    country: str | None
    user_agent: str | None
    last_seen_at: datetime


class TwoFactorRead(BaseModel):
    totp: bool
    passkeys: int
    recovery_codes_left: int


class KeyRead(BaseModel):
    locked: bool
    tries_left: int


class UserDetailRead(UserSummary):
    email_verified_at: datetime | None
    roles: list[str]
    live_sessions: int
    devices: list[DeviceRead]
    two_factor: TwoFactorRead
    e2e_key: KeyRead | None = Field(description="None when the user stored no key")


class UserStateChange(Reauth):
    disabled: bool


class SessionsRevoked(BaseModel):
    revoked: int


class RoleGrant(BaseModel):
    role: str = Field(min_length=1, max_length=64)


class RoleRead(BaseModel):
    name: str
    apps: list[str] = Field(description="URLs of the apps the role's members see")


class UserRoles(BaseModel):
    roles: list[str]


class OidcClientRead(BaseModel):
    client_id: str
    public: bool
    first_party: bool
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]


class AppRead(BaseModel):
    id: int
    url: str
    name: str
    super: bool
    roles: list[str]
    created_at: datetime
    oidc: OidcClientRead | None


class AppCreate(BaseModel):
    url: str = Field(min_length=1, max_length=500, examples=["https://wiki.example.com"])
    name: str = Field(min_length=1, max_length=200)
    roles: list[str] = Field(default_factory=list, max_length=100)
    redirect_uris: list[str] = Field(
        default_factory=list, max_length=50, description="Makes the app an OpenID Connect client"
    )
    post_logout_redirect_uris: list[str] = Field(default_factory=list, max_length=50)
    public: bool = Field(default=False, description="A client without a secret (PKCE)")
    first_party: bool = Field(default=False, description="Users are not asked for consent")


class AppCreated(AppRead):
    token: str = Field(description="The app's x-app-token: shown once, only its hash is stored")
    client_secret: str | None = Field(description="Shown once; None without a confidential client")


class AppToken(BaseModel):
    token: str = Field(description="Shown once")


class ClientSecret(BaseModel):
    client_secret: str = Field(description="Shown once")


class RedirectUris(BaseModel):
    redirect_uris: list[str] = Field(min_length=1, max_length=50)
    post_logout_redirect_uris: list[str] = Field(default_factory=list, max_length=50)


class AuditRead(BaseModel):
    id: int
    created_at: datetime
    kind: str
    user_id: int | None
    username: str | None
    actor_id: int | None
    actor: str | None
    ip: str | None
    detail: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditRead] = Field(description="Newest first")
    next_cursor: int | None = Field(description="Pass as `before` for the next page")


class FiguresRead(BaseModel):
    live_sessions: int = Field(description="Sign-in sessions not revoked nor expired")
    sockets: int = Field(description="Gateway sockets connected to this instance")
    sends_per_second: float = Field(description="Messages posted per second on this instance")


class AdminMe(BaseModel):
    actor: str
