"""Profile fields, username search, avatars and data versions.

`avatar_key` holds either a storage key (uploaded avatars; the thumbnail lives next to it) or
an absolute `http(s)://` URL of an external avatar (set by a dialect or a provider import).
Every profile change bumps `profile_version` and emits `user.updated` after commit
(`identity.accounts.user_row.touch_profile`, which also holds the lock order).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import anyio
import httpx
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley import events
from parley.db import emit
from parley.errors import BadGateway, GatewayTimeout, Invalid
from parley.identity.accounts import reauth
from parley.identity.accounts.errors import UsernameTaken, VerifiedChangeRequired
from parley.identity.accounts.passwords import Passwords
from parley.identity.accounts.user_row import touch_profile
from parley.identity.accounts.validation import clean_email, clean_username, username_key
from parley.identity.recovery import email_change
from parley.identity.recovery.email_change import EmailChange
from parley.identity.sessions import repository as identity_repository
from parley.identity.sessions.tokens import Principal
from parley.infra.mailer import Mailer
from parley.infra.ratelimit import RateLimiter
from parley.infra.storage import Storage
from parley.kit import images
from parley.kit.client import ClientInfo
from parley.kit.secrets import new_token
from parley.models import User
from parley.profiles import repository
from parley.profiles.errors import AvatarRejected, AvatarTooLarge
from parley.settings import Settings

log = logging.getLogger("parley.profiles")

SCHEDULE = "schedule"
PROFILE_FIELDS = frozenset(
    {
        "display_name",
        "first_name",
        "last_name",
        "second_name",
        "birthday",
        "bio",
        "status",
        "contacts",
        "locale",
        "country",
    }
)
_MAX_CONTACTS = 32


@dataclass(frozen=True)
class DataVersions:
    profile_version: int
    schedule_version: int


@dataclass(frozen=True)
class UserPage:
    users: Sequence[User]
    next_after: str | None


async def search_users(
    session: AsyncSession,
    username: str,
    *,
    prefix: bool = True,
    after: str | None = None,
    limit: int = 20,
) -> UserPage:
    """Case-insensitive exact or prefix search on usernames, keyset-paged by username."""
    lowered = username.strip().lower()
    if not lowered or len(lowered) > 32:
        raise Invalid("Search for 1-32 characters")
    limit = max(1, min(limit, 100))
    rows = await repository.search_by_username(
        session, lowered, prefix=prefix, after=after.lower() if after else None, limit=limit + 1
    )
    users = rows[:limit]
    next_after = users[-1].username_lower if len(rows) > limit else None
    return UserPage(users, next_after)


def _clean_contacts(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or len(value) > _MAX_CONTACTS:
        raise Invalid(f"Contacts are a map of at most {_MAX_CONTACTS} names to strings")
    cleaned: dict[str, str] = {}
    for name, item in value.items():
        if not isinstance(name, str) or not 1 <= len(name) <= 32:
            raise Invalid("Contact names are 1-32 characters")
        if not isinstance(item, str) or len(item) > 200:
            raise Invalid("Contact values are strings of at most 200 characters")
        cleaned[name] = item
    return cleaned


def _clean_field(name: str, value: Any) -> Any:
    if name == "contacts":
        return _clean_contacts(value if value is not None else {})
    if name == "birthday":
        if value is not None and not isinstance(value, date):
            raise Invalid("birthday is a date")
        return value
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(f"{name} is a string")
    value = value.strip()
    if name == "country":
        if len(value) != 2 or not value.isalpha():
            raise Invalid("country is an ISO 3166 alpha-2 code")
        return value.upper()
    limits = {"bio": 4000, "display_name": 200, "status": 200, "locale": 35}
    if len(value) > limits.get(name, 100):
        raise Invalid(f"{name} is too long")
    return value or None


async def update_profile(
    session: AsyncSession,
    user: User,
    changes: dict[str, Any],
    *,
    reauthenticated: bool = False,
) -> User:
    """Apply the given fields (only those present). Besides `PROFILE_FIELDS`, `username` may
    change when the caller re-authenticated (409 when taken). A different `email`, or a new
    username without re-authentication, is VerifiedChangeRequired: both are logins, and
    `parley.identity.recovery.email_change` is their only way. Bumps the profile version when
    anything changed.
    """
    unknown = set(changes) - PROFILE_FIELDS - {"username", "email"}
    if unknown:
        raise Invalid(f"Unknown profile fields: {', '.join(sorted(unknown))}")
    changed = False
    if "email" in changes:
        email = clean_email(str(changes["email"])) if changes["email"] else None
        if email != user.email:
            raise VerifiedChangeRequired()
    if "username" in changes:
        username = clean_username(str(changes["username"] or ""))
        if username != user.username:
            if not reauthenticated:
                raise VerifiedChangeRequired()
            if await identity_repository.username_taken(session, username, except_id=user.id):
                raise UsernameTaken()
            user.username, user.username_lower = username, username.lower()
            user.username_key = username_key(username)
            changed = True
    for name in PROFILE_FIELDS & set(changes):
        value = _clean_field(name, changes[name])
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed = True
    if changed:
        try:
            async with session.begin_nested():
                await session.flush()
        except IntegrityError as exc:  # a concurrent change took the name or email
            raise UsernameTaken("This username or email is taken") from exc
        await touch_profile(session, user.id)
    return user


@dataclass(frozen=True)
class AccountUpdate:
    user: User
    email_change: EmailChange | None


async def update_account(
    session: AsyncSession,
    principal: Principal,
    user: User,
    changes: dict[str, Any],
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
    passwords: Passwords,
    current_password: str | None,
    client: ClientInfo | None = None,
) -> AccountUpdate:
    """Native `PATCH /v1/users/me`: profile fields at once; a username or email change only
    after re-authentication, the email through the verified flow."""
    pending = None
    renames = "username" in changes and changes["username"] != user.username
    if renames or ("email" in changes and changes["email"] != user.email):
        await reauth.confirm_identity(
            session,
            principal,
            user,
            current_password,
            settings=settings,
            limiter=limiter,
            passwords=passwords,
        )
    if "email" in changes:
        pending = await email_change.change_email(
            session,
            user,
            changes.pop("email"),
            client,
            settings=settings,
            limiter=limiter,
            mailer=mailer,
        )
    user = await update_profile(session, user, changes, reauthenticated=True)
    return AccountUpdate(user, pending)


# --- avatars -------------------------------------------------------------------------------


def is_external(avatar_key: str) -> bool:
    return avatar_key.startswith(("http://", "https://"))


def thumbnail_key(avatar_key: str) -> str:
    stem, _, extension = avatar_key.rpartition(".")
    return f"{stem}_thumb.{extension}"


def avatar_url(user: User, *, storage: Storage) -> str | None:
    """Absolute URL of the user's avatar, or None."""
    key = user.avatar_key
    if not key:
        return None
    return key if is_external(key) else storage.url(key)


def avatar_thumbnail_url(user: User, *, storage: Storage) -> str | None:
    key = user.avatar_key
    if not key:
        return None
    return key if is_external(key) else storage.url(thumbnail_key(key))


async def set_avatar(
    session: AsyncSession,
    user: User,
    data: bytes,
    filename: str | None = None,
    *,
    settings: Settings,
    storage: Storage,
    image_decoding: anyio.CapacityLimiter,
) -> User:
    """Validate and re-encode an uploaded image (in a thread), store it and its thumbnail,
    then delete the previous files. Nothing is stored when the image is rejected.
    An extension in `filename` must be an image one matching the content.
    """
    if len(data) > settings.avatar_max_bytes:
        raise AvatarTooLarge(f"Avatars are at most {settings.avatar_max_bytes} bytes")
    try:
        avatar = await anyio.to_thread.run_sync(
            lambda: images.process_image(
                data,
                max_pixels=settings.avatar_max_pixels,
                max_side=settings.avatar_max_side,
                thumb_side=settings.avatar_thumb_side,
                filename=filename,
            ),
            limiter=image_decoding,
        )
    except images.ImageRejected as exc:
        raise AvatarRejected(str(exc)) from exc
    key = f"avatars/{user.id}/{new_token(12)}.{images.OUTPUT_EXTENSION}"
    await storage.put(key, avatar.image, images.OUTPUT_CONTENT_TYPE)
    await storage.put(thumbnail_key(key), avatar.thumbnail, images.OUTPUT_CONTENT_TYPE)
    old = user.avatar_key
    user.avatar_key = key
    await session.flush()
    await touch_profile(session, user.id)
    await _delete_stored(old, storage=storage)
    return user


async def import_avatar_from_url(
    session: AsyncSession,
    user: User,
    url: str,
    *,
    settings: Settings,
    storage: Storage,
    image_decoding: anyio.CapacityLimiter,
) -> User:
    """Download an image (a provider's profile picture) and store it like an upload.

    Meant for URLs a provider returned, not for URLs typed by users. Download failures raise
    `BadGateway` / `GatewayTimeout`; a body over the size cap `AvatarTooLarge`; a non-image
    `AvatarRejected`. Nothing is stored on failure.
    """
    if not is_external(url):
        raise Invalid("The avatar URL must be an http(s) URL")
    limit = settings.avatar_max_bytes
    chunks: list[bytes] = []
    size = 0
    try:
        async with (
            httpx.AsyncClient(
                timeout=settings.provider_timeout_seconds, follow_redirects=True, max_redirects=3
            ) as http,
            http.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise BadGateway(f"The avatar download answered {response.status_code}")
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise AvatarTooLarge(f"Avatars are at most {limit} bytes")
                chunks.append(chunk)
    except httpx.TimeoutException as exc:
        raise GatewayTimeout("The avatar download timed out") from exc
    except httpx.HTTPError as exc:
        raise BadGateway("The avatar download failed") from exc
    return await set_avatar(
        session,
        user,
        b"".join(chunks),
        settings=settings,
        storage=storage,
        image_decoding=image_decoding,
    )


async def set_external_avatar(
    session: AsyncSession, user: User, url: str, *, storage: Storage
) -> User:
    """Point the avatar at an external http(s) URL (Whisper `profile`, provider pictures)."""
    url = url.strip()
    if not is_external(url) or len(url) > 255 or any(ch.isspace() for ch in url):
        raise Invalid("The avatar URL must be an http(s) URL of at most 255 characters")
    if url != user.avatar_key:
        old = user.avatar_key
        user.avatar_key = url
        await session.flush()
        await touch_profile(session, user.id)
        await _delete_stored(old, storage=storage)
    return user


async def delete_avatar(session: AsyncSession, user: User, *, storage: Storage) -> User:
    old = user.avatar_key
    if old is None:
        return user
    user.avatar_key = None
    await session.flush()
    await touch_profile(session, user.id)
    await _delete_stored(old, storage=storage)
    return user


async def _delete_stored(key: str | None, *, storage: Storage) -> None:
    if not key or is_external(key):
        return
    for item in (key, thumbnail_key(key)):
        try:
            await storage.delete(item)
        except Exception:  # an orphaned file must not fail the change
            log.warning("could not delete stored avatar", extra={"key": item}, exc_info=True)


# --- data versions -------------------------------------------------------------------------


async def data_versions(session: AsyncSession, user: User) -> DataVersions:
    return DataVersions(
        profile_version=user.profile_version,
        schedule_version=await repository.get_version(session, SCHEDULE),
    )


async def bump_schedule_version(session: AsyncSession) -> int:
    version = await repository.bump_version(session, SCHEDULE)
    emit(session, events.DataVersionBumped(name=SCHEDULE, version=version))
    return version
