"""Native wire models for channels, messages, read state and E2E key material."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from parley.kit.ids import Id
from parley.social.schemas import UserBrief


class ReactionRead(BaseModel):
    emoji: str
    count: int
    me: bool = Field(description="Whether you reacted so")


class AttachmentRead(BaseModel):
    id: int
    filename: str
    content_type: str = Field(description="As sniffed (images are re-encoded to WebP)")
    size: int
    width: int | None
    height: int | None
    url: str = Field(description="Members only: GET with your token")
    thumbnail_url: str | None


class UploadSlotCreate(BaseModel):
    filename: str = Field(min_length=1, max_length=1000)
    content_type: str = Field(
        default="application/octet-stream",
        max_length=100,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$",
        description="Signed into the URL (the stored type is sniffed on completion)",
    )
    size: int = Field(ge=1, le=2**31 - 1, description="Exactly the bytes you will PUT")


class UploadSlotRead(BaseModel):
    upload_id: int
    url: str = Field(description="The presigned URL: send the file there, without your token")
    method: str = Field(description='"PUT"')
    headers: dict[str, str] = Field(description="Send these headers with the file")
    expires_at: datetime = Field(description="The URL works until then")


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    channel_id: int
    author_id: int | None
    content: str | None = Field(description="Text, or ciphertext; null once deleted")
    reply_to_id: int | None
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None
    mention_ids: list[int] = Field(
        default_factory=list, description="Members named with @username when it was sent"
    )
    mention_everyone: bool = Field(default=False, description="An @everyone that counted")
    reactions: list[ReactionRead] = Field(
        default_factory=list, description="Per emoji, in the order they first appeared"
    )
    attachments: list[AttachmentRead] = Field(default_factory=list)

    @field_validator("mention_ids", mode="before")
    @classmethod
    def _none_is_nobody(cls, value: list[int] | None) -> list[int]:
        return value or []


class MessagesPage(BaseModel):
    items: list[MessageRead] = Field(description="Newest first")
    next_before: int | None = Field(description="Pass as `before` for older messages")
    next_after: int | None = Field(description="Pass as `after` for newer messages")


class SearchHitRead(BaseModel):
    message: MessageRead
    highlight: str = Field(
        description="A snippet of the message, HTML-escaped, the matched words in <mark>"
    )


class SearchPage(BaseModel):
    items: list[SearchHitRead] = Field(description="Newest first")
    next_cursor: int | None = Field(description="Pass as `before` for older hits")


class MessageCreate(BaseModel):
    content: str = Field(
        default="", max_length=64 * 1024, description="May be empty when files are attached"
    )
    reply_to_id: Id | None = None
    attachment_ids: list[Id] = Field(
        default_factory=list, max_length=100, description="Your unsent uploads into the channel"
    )


class MessageUpdate(BaseModel):
    content: str = Field(min_length=1, max_length=64 * 1024)


class ChannelRead(BaseModel):
    id: int
    kind: str = Field(description='"dm" or "group"')
    name: str | None
    owner_id: int | None
    encrypted: bool
    member_count: int
    other_user: UserBrief | None = Field(description="The other member of a direct channel")
    last_message: MessageRead | None
    unread_count: int
    mention_count: int = Field(description="Unread messages that mention you")
    last_read_message_id: int | None
    encrypted_key: str | None = Field(description="The channel key encrypted to you")


class ChannelsPage(BaseModel):
    items: list[ChannelRead]
    next_cursor: int | None = Field(description="Pass as `before` for the next page")


class DirectChannelCreate(BaseModel):
    user_id: Id
    encrypted_keys: dict[Id, str] | None = Field(
        default=None,
        description="For an encrypted channel: user id -> channel key encrypted to that user",
    )


class GroupChannelCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    member_ids: list[Id] = Field(default_factory=list, max_length=1000)
    encrypted_keys: dict[Id, str] | None = None


class ChannelUpdate(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class MemberAdd(BaseModel):
    user_id: Id
    encrypted_key: str | None = None


class MemberRead(BaseModel):
    user: UserBrief
    joined_at: datetime


class ChannelKeyRead(BaseModel):
    channel_id: int
    encrypted_key: str


class ReadStateUpdate(BaseModel):
    message_id: Id


class ReadStateRead(BaseModel):
    channel_id: int
    last_read_message_id: int | None


class KeysUpload(BaseModel):
    public_key: str = Field(min_length=1, max_length=16 * 1024)
    encrypted_private_key: str = Field(min_length=1, max_length=16 * 1024)
    pin: str = Field(min_length=4, max_length=64)
    password: str | None = Field(
        default=None,
        max_length=256,
        description="Required to replace existing keys; resets the PIN failure count",
    )


class KeysStatus(BaseModel):
    public_key: str
    tries_left: int
    locked: bool
    updated_at: datetime


class PinCheck(BaseModel):
    pin: str = Field(min_length=1, max_length=64)


class PrivateKeyRead(BaseModel):
    public_key: str
    encrypted_private_key: str


class PublicKeyRead(BaseModel):
    user_id: int
    public_key: str
