"""Goncord wire models, field names as the seed spells them."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field


def _no_nul(value: str | None) -> str | None:
    if value is not None and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Name = Annotated[str | None, Field(default=None, max_length=100), AfterValidator(_no_nul)]


class RoleName(BaseModel):
    name: str = Field(max_length=64)


# Roles arrive as `{"name": ...}` objects or as bare strings.
RoleIn = Annotated[str, Field(max_length=64)] | RoleName
RoleList = Annotated[list[RoleIn], Field(max_length=100)]


def role_names(roles: list[str | RoleName]) -> list[str]:
    return [role if isinstance(role, str) else role.name for role in roles]


class RegisterBody(BaseModel):
    login: str = Field(max_length=32)
    password: str = Field(max_length=256)
    email: str | None = Field(default=None, max_length=320)
    first_name: Name
    last_name: Name
    second_name: Name
    birthday: date | None = None
    roles: RoleList = Field(default_factory=list)


class UserUpdateBody(BaseModel):
    """Absent fields stay; `roles` and `apps`, when given, replace."""

    second_name: Name
    last_name: Name
    first_name: Name
    birthday: date | None = None
    roles: RoleList | None = None
    apps: dict[str, dict[str, Any]] | None = None


class TokenBody(BaseModel):
    login: str | None = Field(default=None, max_length=320)
    email: str | None = Field(default=None, max_length=320)
    password: str = Field(max_length=256)


class RolesBody(BaseModel):
    roles: RoleList


class ChangePasswordBody(BaseModel):
    old_password: str = Field(max_length=256)
    new_password: str = Field(max_length=256)


class GoncordUser(BaseModel):
    """The user object, keys in the seed's order."""

    second_name: str | None
    roles: list[RoleName]
    login: str
    last_name: str | None
    first_name: str | None
    email: str | None
    birthday: date | None
    apps: dict[str, dict[str, Any]]


class TokenAnswer(BaseModel):
    user: GoncordUser
    jwt: str


class MenuEntry(BaseModel):
    url: str
    name: str


class ErrorBody(BaseModel):
    """`{"error": "..."}`; bad input adds the changeset's `{"errors": {field: [messages]}}`."""

    error: str
    errors: dict[str, list[str]] | None = None
