"""Schedule wire models, field names as the seed spells them (camelCase).

Strings are bounded and refuse NUL characters (PostgreSQL cannot store them), so such input
is a 400 in Schedule style, never a database error.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, AliasChoices, BaseModel, ConfigDict, Field, StrictBool


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


NoNul = AfterValidator(_no_nul)
Str32 = Annotated[str, Field(max_length=32), NoNul]
Str128 = Annotated[str, Field(max_length=128), NoNul]
Str200 = Annotated[str, Field(max_length=200), NoNul]
Str2000 = Annotated[str, Field(max_length=2000), NoNul]
Str4000 = Annotated[str, Field(max_length=4000), NoNul]
Str8192 = Annotated[str, Field(max_length=8192), NoNul]


class AuthBody(BaseModel):
    """The seed's body; the Android client sends `authCode` for `idToken`, `TELEGRAM` for
    `TG` and no `externalUserId` (the provider-verified id is used; one given must match)."""

    authMethod: Str32 = Field(examples=["VK"], description="VK | GOOGLE | TG | TELEGRAM")
    idToken: Str8192 = Field(validation_alias=AliasChoices("idToken", "authCode"))
    fullName: Str200 | None = Field(default=None, examples=["OLEG ALO"])
    avatarUrl: Str2000 | None = None
    # a number wider than 64 bits is fine (Google's `sub` is 21 digits); kept as a string
    externalUserId: Annotated[int, Field(ge=0, lt=10**40)] | Str128 | None = Field(
        default=None, examples=[43141]
    )


class RefreshBody(BaseModel):
    refreshToken: Annotated[str, Field(min_length=1, max_length=512), NoNul]


class Tokens(BaseModel):
    """What a refresh answers (the client's `RefreshTokenResponse`)."""

    accessToken: str
    refreshToken: str


class Credentials(Tokens):
    """What `account/auth` answers (the client's `CredentialsResponse`)."""

    userId: int


class VariantItem(BaseModel):
    subjectName: Str200 = Field(examples=["Физика"])
    variant: int = Field(ge=0, le=1_000_000, examples=[5])


class Profile(BaseModel):
    """The seed's profile plus what the Android client's `NetworkUserProfile` requires."""

    id: int
    bio: str
    fullName: str
    avatarUrl: str | None
    role: str = Field(examples=["STUDENT"], description="STUDENT | DEV | AWARDED")
    contacts: dict[str, str | None] = Field(description="Always has `tg` and `vk` (or null)")
    variants: list[VariantItem]
    publicProfile: bool


class ProfileUpdate(BaseModel):
    """Fields present replace; absent ones stay. `id` and `role` may be echoed back unchanged
    (a client may PUT what it read): another `id` or another `role` is 403."""

    model_config = ConfigDict(extra="ignore")

    id: int | None = None
    bio: Str4000 | None = None
    fullName: Str200 | None = None
    role: Str32 | None = None
    contacts: dict[Str32, Str200 | None] | None = Field(default=None, max_length=32)
    variants: list[VariantItem] | None = Field(default=None, max_length=50)
    publicProfile: StrictBool | None = None


class DataVersions(BaseModel):
    scheduleVersion: int
    profileVersion: int


class ErrorBody(BaseModel):
    error: str = Field(examples=["unauthorized"])
    message: str
