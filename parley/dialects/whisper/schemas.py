"""Whisper wire models, field names as the seed spells them.

Strings are never null on the wire: an absent avatar, name or key is "". Integer ids that
do not exist are -1 (the seed's own convention for `channel_id` and `next`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, model_validator

MAX_ID = 2**63 - 1
NO_NUL = r"^[^\x00]*$"

Text = Annotated[str, Field(pattern=NO_NUL)]


class WhisperErrorBody(BaseModel):
    error: str


class WhisperOk(BaseModel):
    """Every success body: `error` is "" (the seed's "content: error string"; the original
    answers every `gin.H` with it)."""

    error: str = ""


class WhisperEmpty(WhisperOk):
    """Bodies the seed lists only `error` for: success is `{"error": ""}`."""


class WhisperRegisterBody(BaseModel):
    name: Text = Field(min_length=1, max_length=200)
    user: Text = Field(max_length=64)
    password: str = Field(max_length=256)
    email: Text = Field(max_length=320)
    pin: Text = Field(max_length=64)
    public_key: str
    encrypted_private_key: str


class WhisperLoginBody(BaseModel):
    user: Text = Field(max_length=320)
    password: str = Field(max_length=256)


class WhisperTokenRead(WhisperOk):
    token: str


class WhisperUserFields(BaseModel):
    uid: int
    user: str
    name: str
    profile: str = Field(description='The avatar URL, "" when none')
    public_key: str = Field(description='"" when the user has stored no key material')


class WhisperUserRead(WhisperOk, WhisperUserFields):
    pass


class WhisperMeRead(WhisperUserRead):
    email: str


class WhisperPrivateKeyRead(WhisperOk):
    encrypted_private_key: str


class WhisperProfileUpdate(BaseModel):
    email: Text | None = Field(default=None, min_length=1, max_length=320)
    user: Text | None = Field(default=None, min_length=1, max_length=64)
    name: Text | None = Field(default=None, min_length=1, max_length=200)
    profile: Text | None = Field(
        default=None, max_length=255, description='An http(s) avatar URL; "" removes the avatar'
    )


class WhisperFriendAdd(BaseModel):
    """By user name (the seed) or by uid (the original's `{"uid": int}`)."""

    user: Text | None = Field(default=None, min_length=1, max_length=64)
    uid: int | None = Field(default=None, ge=1, le=MAX_ID)

    @model_validator(mode="after")
    def _one_of(self) -> WhisperFriendAdd:
        if (self.user is None) == (self.uid is None):
            raise ValueError("send either user or uid")
        return self


class WhisperFriendItem(WhisperUserFields):
    channel_id: int = Field(description="The direct channel with this friend, -1 when none")


class WhisperFriendsPage(WhisperOk):
    next: int = Field(description="The `from` of the next page, -1 when there is none")
    items: list[WhisperFriendItem] = Field(serialization_alias="list")


class WhisperChannelCreate(BaseModel):
    attendee: int = Field(ge=1, le=MAX_ID)
    key_encrypted_by_attendee_public_key: str
    key_encrypted_by_host_public_key: str


class WhisperChannelCreated(WhisperOk):
    channel_id: int


class WhisperChannelKeyRead(WhisperOk):
    encrypted_key: str


class WhisperMessageCreate(BaseModel):
    encrypted_msg: str = Field(
        description="Any non-empty ciphertext (base64, hex, a JSON envelope, ...) up to the cap"
    )


class WhisperMessageCreated(WhisperOk):
    message_id: int


class WhisperMessageItem(BaseModel):
    encrypted_msg: str
    sender: int = Field(description="The author's uid, -1 once the account is gone")
    time: int = Field(description="Milliseconds since the Unix epoch (UTC)")


class WhisperMessagesPage(WhisperOk):
    next: int = Field(description="The `next` of the older page, -1 when there is none")
    items: list[WhisperMessageItem] = Field(serialization_alias="list")


class WhisperChannelItem(BaseModel):
    channel_id: int
    attendee: int = Field(description="The other member's uid, -1 for a (native) group")
    attendee_profile: str
    encrypted_key: str = Field(description="The channel key encrypted to your public key")
    last_encrypted_msg: str = Field(description='The newest ciphertext, "" when none')


class WhisperChannelsPage(WhisperOk):
    next: int
    items: list[WhisperChannelItem] = Field(serialization_alias="list")
