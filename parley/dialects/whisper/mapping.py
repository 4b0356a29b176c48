"""Pure translations from Parley's objects to Whisper's wire models."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from parley.dialects.kit import NamedUser
from parley.dialects.whisper.schemas import WhisperFriendItem, WhisperMeRead, WhisperUserRead

NONE = -1  # the seed's "does not exist" for ids and cursors


class PublicUser(NamedUser, Protocol):
    @property
    def display_name(self) -> str | None: ...


def user_read(user: PublicUser, profile: str | None, public_key: str | None) -> WhisperUserRead:
    return WhisperUserRead(
        uid=user.id,
        user=user.username,
        name=user.display_name or user.username,
        profile=profile or "",
        public_key=public_key or "",
    )


def me_read(
    user: PublicUser, email: str | None, profile: str | None, public_key: str | None
) -> WhisperMeRead:
    return WhisperMeRead(**user_read(user, profile, public_key).model_dump(), email=email or "")


def friend_item(
    user: PublicUser, profile: str | None, public_key: str | None, channel_id: int | None
) -> WhisperFriendItem:
    return WhisperFriendItem(
        **user_read(user, profile, public_key).model_dump(exclude={"error"}),
        channel_id=channel_id if channel_id is not None else NONE,
    )


def cursor_in(value: int) -> int | None:
    """The seed's `0` (first page) to Parley's `before=None`."""
    return value or None


def cursor_out(value: int | None) -> int:
    return value if value is not None else NONE


def epoch_millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
