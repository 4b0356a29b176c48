"""Native profile views: schemas filled from a user plus the avatar URLs."""

from __future__ import annotations

from parley.models import User
from parley.profiles import service
from parley.profiles.schemas import ProfileMe, UserPublic
from parley.runtime import Runtime


def _avatar_fields(rt: Runtime, user: User) -> dict[str, str | None]:
    return {
        "avatar_url": service.avatar_url(rt, user),
        "avatar_thumbnail_url": service.avatar_thumbnail_url(rt, user),
    }


def public_view(rt: Runtime, user: User) -> UserPublic:
    return UserPublic.model_validate(user).model_copy(update=_avatar_fields(rt, user))


def my_view(rt: Runtime, user: User) -> ProfileMe:
    return ProfileMe.model_validate(user).model_copy(update=_avatar_fields(rt, user))
