"""Native profile views: schemas filled from a user plus the avatar URLs."""

from __future__ import annotations

from parley.infra.storage import Storage
from parley.models import User
from parley.profiles import service
from parley.profiles.schemas import ProfileMe, UserPublic


def _avatar_fields(user: User, *, storage: Storage) -> dict[str, str | None]:
    return {
        "avatar_url": service.avatar_url(user, storage=storage),
        "avatar_thumbnail_url": service.avatar_thumbnail_url(user, storage=storage),
    }


def public_view(user: User, *, storage: Storage) -> UserPublic:
    return UserPublic.model_validate(user).model_copy(update=_avatar_fields(user, storage=storage))


def my_view(user: User, *, storage: Storage) -> ProfileMe:
    return ProfileMe.model_validate(user).model_copy(update=_avatar_fields(user, storage=storage))
