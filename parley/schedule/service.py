"""The Schedule app's per-user data, kept in that app's payload (the access domain).

The app is the one whose URL is `PARLEY_SCHEDULE_APP_URL` (default `schedule`); an operator
may create it beforehand (`parley apps create --url schedule --name Schedule --super`) to
hold its token, otherwise it is created, without roles, on the first write. Its payload for
a user is `{"role": "STUDENT" | "DEV" | "AWARDED", "variants": [{"subjectName", "variant"}],
"publicProfile": bool}`; no payload (or an unknown role) means the default role
(`PARLEY_SCHEDULE_DEFAULT_ROLE`, the seed's `STUDENT`), so every account, whichever surface
created it, has it until a super app says otherwise through the native payload API. Users
change their own bio, full name, contacts, variants and `publicProfile` here, never their
role.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from parley.access import service as access
from parley.access.errors import AppExists, AppNotFound
from parley.errors import Invalid
from parley.identity.accounts import lookup, user_row
from parley.infra.storage import Storage
from parley.models import App, User
from parley.profiles import service as profiles
from parley.schedule import repository
from parley.schedule.errors import NotYourProfile, RoleChangeForbidden
from parley.settings import Settings

APP_NAME = "Schedule"
ROLES = ("STUDENT", "DEV", "AWARDED")
MAX_VARIANTS = 50
MAX_SUBJECT = 100
MAX_VARIANT = 1_000_000
# Schedule field -> Parley profile field
PROFILE_CHANGES = {"bio": "bio", "full_name": "display_name", "contacts": "contacts"}
CHANGEABLE = frozenset({*PROFILE_CHANGES, "variants", "role", "public_profile"})


@dataclass(frozen=True)
class Variant:
    subject_name: str
    variant: int


@dataclass(frozen=True)
class ScheduleProfile:
    user: User
    role: str
    variants: list[Variant]
    public_profile: bool
    avatar_url: str | None

    @property
    def full_name(self) -> str:
        user = self.user
        names = " ".join(part for part in (user.first_name, user.last_name) if part)
        return user.display_name or names or user.username


async def schedule_app(session: AsyncSession, *, settings: Settings, create: bool) -> App | None:
    """The Schedule app; created on demand when `create` (a concurrent creation is fine)."""
    url = settings.schedule_app_url
    try:
        return await access.get_app_by_url(session, url)
    except AppNotFound:
        if not create:
            return None
    try:
        return (await access.create_app(session, url=url, name=APP_NAME)).app
    except AppExists:
        return await access.get_app_by_url(session, url)


def role_of(payload: Mapping[str, Any], default: str) -> str:
    role = payload.get("role")
    return role if isinstance(role, str) and role in (*ROLES, default) else default


def public_of(payload: Mapping[str, Any]) -> bool:
    shown = payload.get("publicProfile")
    return shown if isinstance(shown, bool) else True


def variants_of(payload: Mapping[str, Any]) -> list[Variant]:
    """The stored variants; entries a super app wrote in another shape are skipped."""
    items = payload.get("variants")
    if not isinstance(items, list):
        return []
    found = []
    for item in items:
        if not isinstance(item, dict):
            continue
        name, variant = item.get("subjectName"), item.get("variant")
        if isinstance(name, str) and isinstance(variant, int) and not isinstance(variant, bool):
            found.append(Variant(name, variant))
    return found


def clean_variants(items: Any) -> list[Variant]:
    if not isinstance(items, list) or len(items) > MAX_VARIANTS:
        raise Invalid(f"variants is a list of at most {MAX_VARIANTS} entries")
    seen: set[str] = set()
    cleaned = []
    for item in items:
        if not isinstance(item, Variant):
            raise Invalid("variants holds {subjectName, variant} entries")
        name = item.subject_name.strip()
        if not 1 <= len(name) <= MAX_SUBJECT or "\x00" in name:
            raise Invalid(f"subjectName is 1-{MAX_SUBJECT} characters")
        if not 0 <= item.variant <= MAX_VARIANT:
            raise Invalid(f"variant is a number from 0 to {MAX_VARIANT}")
        if name.casefold() in seen:
            raise Invalid(f"subjectName {name!r} appears twice")
        seen.add(name.casefold())
        cleaned.append(Variant(name, item.variant))
    return cleaned


def _stored(variants: list[Variant]) -> list[dict[str, Any]]:
    return [{"subjectName": v.subject_name, "variant": v.variant} for v in variants]


async def get_profile(
    session: AsyncSession, user_id: int, *, settings: Settings, storage: Storage
) -> ScheduleProfile:
    """Anyone's Schedule profile (404 for unknown or disabled accounts)."""
    user = await lookup.get_live_user(session, user_id)
    app = await schedule_app(session, create=False, settings=settings)
    payload = await access.get_app_payload(session, app, user.id) if app is not None else {}
    return _profile(user, payload, settings=settings, storage=storage)


def _profile(
    user: User, payload: Mapping[str, Any], *, settings: Settings, storage: Storage
) -> ScheduleProfile:
    return ScheduleProfile(
        user,
        role_of(payload, settings.schedule_default_role),
        variants_of(payload),
        public_of(payload),
        profiles.avatar_url(user, storage=storage),
    )


async def update_profile(
    session: AsyncSession,
    user: User,
    changes: Mapping[str, Any],
    *,
    settings: Settings,
    storage: Storage,
    user_ids: Collection[int] = (),
) -> ScheduleProfile:
    """Apply the given fields of `bio`, `full_name`, `contacts` (replaced whole), `variants`
    (replaced whole), `public_profile` and `role` to the caller's own profile; every id in
    `user_ids` (the ids the request names) must be the caller's (403). A `role` other than
    the current one is 403: only a super app sets it. Bumps the profile version when
    anything changed."""
    if any(user_id != user.id for user_id in user_ids):
        raise NotYourProfile()
    unknown = set(changes) - CHANGEABLE
    if unknown:
        raise Invalid(f"Unknown profile fields: {', '.join(sorted(unknown))}")
    # The user's row before the payload's (the lock order in `parley.profiles.service`)
    await user_row.lock_user(session, user.id)
    stored_here = "variants" in changes or "public_profile" in changes
    app = await schedule_app(session, create=stored_here, settings=settings)
    row = await repository.lock_payload(session, app.id, user.id) if app is not None else None
    payload = dict(row.data) if row is not None else {}
    role = role_of(payload, settings.schedule_default_role)
    if "role" in changes and changes["role"] != role:
        raise RoleChangeForbidden()
    wanted = dict(payload)
    if "variants" in changes:
        wanted["variants"] = _stored(clean_variants(changes["variants"]))
    if "public_profile" in changes:
        if not isinstance(changes["public_profile"], bool):
            raise Invalid("publicProfile is true or false")
        wanted["publicProfile"] = changes["public_profile"]
    profile_changes = {PROFILE_CHANGES[k]: v for k, v in changes.items() if k in PROFILE_CHANGES}
    if profile_changes:
        await profiles.update_profile(session, user, profile_changes)
    if app is not None and wanted != payload:
        payload = {**wanted, "role": role}
        await access.replace_app_payload(session, app, user.id, payload, settings=settings)
    return _profile(user, payload, settings=settings, storage=storage)
