from __future__ import annotations

from parley.errors import Invalid, TooLarge


class AvatarRejected(Invalid):
    code = "invalid_image"
    default_message = "Not an acceptable image"


class AvatarTooLarge(TooLarge):
    code = "avatar_too_large"
    default_message = "The avatar file is too large"
