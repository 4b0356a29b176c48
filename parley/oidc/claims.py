"""Claims released per scope: the id_token and `userinfo` share them."""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749 import scope_to_list
from sqlalchemy.ext.asyncio import AsyncSession

from parley.access import service as access
from parley.infra.storage import Storage
from parley.models import App, User
from parley.profiles import service as profiles

PAYLOAD_CLAIM = "https://parley/payload"
CLAIMS_SUPPORTED = (
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "sid",
    "name",
    "preferred_username",
    "given_name",
    "family_name",
    "middle_name",
    "birthdate",
    "locale",
    "picture",
    "updated_at",
    "email",
    "email_verified",
    "roles",
    PAYLOAD_CLAIM,
)


async def user_claims(
    session: AsyncSession, user: User, app: App, scope: str, *, storage: Storage
) -> dict[str, Any]:
    scopes = set(scope_to_list(scope) or [])
    claims: dict[str, Any] = {"sub": str(user.id)}
    if "profile" in scopes:
        profile = {
            "name": user.display_name or user.username,
            "preferred_username": user.username,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "middle_name": user.second_name,
            "birthdate": user.birthday.isoformat() if user.birthday else None,
            "locale": user.locale,
            "picture": profiles.avatar_url(user, storage=storage),
            "updated_at": int(user.updated_at.timestamp()),
        }
        claims.update({key: value for key, value in profile.items() if value is not None})
    if "email" in scopes and user.email:
        claims["email"] = user.email
        claims["email_verified"] = user.email_verified_at is not None
    if "roles" in scopes:
        claims["roles"] = await access.user_roles(session, user.id)
    if "payload" in scopes:
        claims[PAYLOAD_CLAIM] = await access.get_app_payload(session, app, user.id)
    return claims
