"""Native wire models for friends, friend requests and blocks."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from parley.kit.ids import Id


class UserBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str | None


class FriendRead(BaseModel):
    user: UserBrief
    channel_id: int | None = Field(description="The direct channel with this friend, if any")


class FriendsPage(BaseModel):
    items: list[FriendRead]
    next_cursor: int | None = Field(description="Pass as `before` for the next page")


class FriendAdd(BaseModel):
    user_id: Id


class FriendRequestCreate(BaseModel):
    user_id: Id


class FriendRequestRead(BaseModel):
    id: int
    user: UserBrief = Field(description="The other user")
    incoming: bool
    created_at: datetime


class FriendRequestResult(BaseModel):
    request: FriendRequestRead | None = Field(
        description="The pending request, or null when it matched theirs and you are now friends"
    )
    friends: bool


class BlockCreate(BaseModel):
    user_id: Id


class BlockRead(BaseModel):
    user: UserBrief
    created_at: datetime
