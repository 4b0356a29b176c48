"""Roles, apps (with hashed `x-app-token`s), per-app user payloads and the menu.

Every change to a user's roles or payloads bumps that user's profile version and emits
`user.updated` after commit. Writers lock the user's row before their role links or payloads
(the lock order in `parley.identity.accounts.user_row`): that also queues concurrent writers
for one user, so a first payload is never inserted twice and a role change never works from a
stale list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley.access import repository
from parley.access.errors import (
    AdminRequired,
    AppExists,
    AppNotFound,
    InvalidAppToken,
    InvalidAppUrl,
    InvalidRoleName,
    PayloadTooLarge,
    RoleExists,
    RoleNotFound,
    SuperAppRequired,
)
from parley.errors import Invalid
from parley.identity.accounts import user_row
from parley.kit.secrets import new_token, token_hash
from parley.models import App, Role, User
from parley.settings import Settings


@dataclass(frozen=True)
class AppView:
    app: App
    roles: list[str]


@dataclass(frozen=True)
class CreatedApp:
    app: App
    roles: list[str]
    token: str
    """The plain token: shown once, only its hash is stored."""


@dataclass(frozen=True)
class MenuEntry:
    url: str
    name: str
    role: str


@dataclass(frozen=True)
class UserPayload:
    url: str
    name: str
    data: dict[str, Any]


# --- roles ---------------------------------------------------------------------------------


def clean_role_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 64 or not name.isprintable():
        raise InvalidRoleName()
    return name


async def list_roles(session: AsyncSession) -> Sequence[Role]:
    return await repository.list_roles(session)


async def create_role(session: AsyncSession, name: str, *, protected: bool = False) -> Role:
    """A new role; a `protected` one is never granted at registration without a super app."""
    name = clean_role_name(name)
    if await repository.get_role_by_name(session, name) is not None:
        raise RoleExists()
    role = Role(name=name, protected=protected)
    try:
        async with session.begin_nested():
            await repository.add_role(session, role)
    except IntegrityError as exc:
        raise RoleExists() from exc
    return role


async def delete_role(session: AsyncSession, name: str) -> None:
    role = await repository.get_role_by_name(session, name)
    if role is None:
        raise RoleNotFound()
    members = sorted(await repository.user_ids_with_role(session, role.id))
    for user_id in members:  # users before their role links, by ascending id
        await user_row.lock_user(session, user_id)
    # Then the role itself: a concurrent grant that already linked someone finishes first
    # (and its user is locked below); a later one waits and finds the role gone.
    if await repository.lock_role(session, role.id) is None:
        raise RoleNotFound()
    for user_id in sorted(
        set(await repository.user_ids_with_role(session, role.id)) - set(members)
    ):
        await user_row.lock_user(session, user_id)
    unlinked = await repository.delete_role(session, role.id)
    for user_id in sorted(set(members) | set(unlinked)):  # and a member who joined meanwhile
        await user_row.touch_profile(session, user_id)


async def ensure_roles(session: AsyncSession, names: Iterable[str]) -> list[Role]:
    """The roles named, creating the unknown ones."""
    wanted = sorted({clean_role_name(name) for name in names})
    found = {role.name: role for role in await repository.get_roles_by_names(session, wanted)}
    for name in wanted:
        if name not in found:
            try:
                found[name] = await create_role(session, name)
            except RoleExists:  # created concurrently
                role = await repository.get_role_by_name(session, name)
                if role is None:
                    raise
                found[name] = role
    return [found[name] for name in wanted]


async def check_sign_up_roles(
    session: AsyncSession, names: Iterable[str], app: App | None, *, settings: Settings
) -> list[str]:
    """The roles a registration may name (cleaned): any, except protected ones (the admin
    role, roles created protected), which need a super app (SuperAppRequired otherwise)."""
    wanted = sorted({clean_role_name(name) for name in names})
    if not wanted or (app is not None and app.is_super):
        return wanted
    known = await repository.get_roles_by_names(session, wanted)
    protected = {role.name for role in known if role.protected} | {settings.admin_role}
    refused = [name for name in wanted if name in protected]
    if refused:
        raise SuperAppRequired(f"The role(s) {', '.join(refused)} need a super app token")
    return wanted


async def user_roles(session: AsyncSession, user_id: int) -> list[str]:
    return [role.name for role in await repository.roles_of_user(session, user_id)]


async def set_user_roles(session: AsyncSession, user: User, names: Iterable[str]) -> list[str]:
    """Give the user exactly these roles (unknown ones are created); returns them sorted."""
    # The user's row first: before creating roles too, since a role being created by another
    # transaction makes ours wait for it
    await user_row.lock_user(session, user.id)
    wanted = await ensure_roles(session, names)
    current = {role.id: role for role in await repository.roles_of_user(session, user.id)}
    wanted_ids = {role.id for role in wanted}
    removed = [role_id for role_id in current if role_id not in wanted_ids]
    added = [role_id for role_id in wanted_ids if role_id not in current]
    await repository.remove_user_roles(session, user.id, removed)
    await repository.add_user_roles(session, user.id, added)
    if removed or added:
        await user_row.touch_profile(session, user.id)
    return [role.name for role in wanted]


async def add_user_roles(session: AsyncSession, user: User, names: Iterable[str]) -> list[str]:
    """Add roles (creating unknown ones); returns all the user's roles."""
    await user_row.lock_user(session, user.id)  # before reading what to keep
    current = await user_roles(session, user.id)
    return await set_user_roles(session, user, [*current, *names])


async def remove_user_roles(session: AsyncSession, user: User, names: Iterable[str]) -> list[str]:
    """Remove the listed roles; unknown or unheld names are ignored. Returns what remains."""
    drop = {name.strip() for name in names}
    await user_row.lock_user(session, user.id)  # before reading what to keep
    current = await user_roles(session, user.id)
    return await set_user_roles(session, user, [name for name in current if name not in drop])


async def is_admin(session: AsyncSession, user: User, *, settings: Settings) -> bool:
    return settings.admin_role in await user_roles(session, user.id)


async def require_admin(
    session: AsyncSession, *, settings: Settings, user: User | None, app: App | None
) -> None:
    """Admin endpoints: a super app, or a user holding the admin role (setting)."""
    if app is not None and app.is_super:
        return
    if user is not None and await is_admin(session, user, settings=settings):
        return
    raise AdminRequired()


# --- apps ----------------------------------------------------------------------------------


def clean_app_url(url: str) -> str:
    url = url.strip()
    if not 1 <= len(url) <= 500 or any(ch.isspace() or not ch.isprintable() for ch in url):
        raise InvalidAppUrl()
    return url


async def authenticate_app(session: AsyncSession, token: str | None) -> App:
    """The app an `x-app-token` belongs to (looked up by its sha256 hash)."""
    if not token or len(token) > 256:
        raise InvalidAppToken()
    app = await repository.get_app_by_token_hash(session, token_hash(token))
    if app is None:
        raise InvalidAppToken()
    return app


def require_super(app: App) -> App:
    if not app.is_super:
        raise SuperAppRequired()
    return app


async def get_app(session: AsyncSession, app_id: int) -> App:
    app = await repository.get_app(session, app_id)
    if app is None:
        raise AppNotFound()
    return app


async def get_app_by_url(session: AsyncSession, url: str) -> App:
    app = await repository.get_app_by_url(session, url.strip())
    if app is None:
        raise AppNotFound()
    return app


async def list_apps(session: AsyncSession) -> list[AppView]:
    apps = await repository.list_apps(session)
    roles = await repository.app_role_names(session, [app.id for app in apps])
    return [AppView(app, roles[app.id]) for app in apps]


async def create_app(
    session: AsyncSession,
    *,
    url: str,
    name: str,
    is_super: bool = False,
    roles: Iterable[str] = (),
) -> CreatedApp:
    url = clean_app_url(url)
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise Invalid("App names are 1-200 characters")
    if await repository.get_app_by_url(session, url) is not None:
        raise AppExists()
    token = new_token()
    app = App(url=url, name=name, token_hash=token_hash(token), is_super=is_super)
    try:
        async with session.begin_nested():
            await repository.add_app(session, app)
    except IntegrityError as exc:
        raise AppExists() from exc
    role_names = await set_app_roles(session, app, roles)
    return CreatedApp(app, role_names, token)


async def set_app_roles(session: AsyncSession, app: App, names: Iterable[str]) -> list[str]:
    """Members of these roles (created when unknown) see the app in their menu."""
    roles = await ensure_roles(session, names)
    await repository.set_app_roles(session, app.id, [role.id for role in roles])
    return [role.name for role in roles]


async def rotate_app_token(session: AsyncSession, app: App) -> str:
    token = new_token()
    await repository.set_app_token_hash(session, app.id, token_hash(token))
    app.token_hash = token_hash(token)
    return token


async def delete_app(session: AsyncSession, app: App) -> None:
    await repository.delete_app(session, app.id)


# --- payloads ------------------------------------------------------------------------------


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _check_payload(data: Any, *, settings: Settings) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise Invalid("An app payload is a JSON object")
    try:
        encoded = orjson.dumps(data)
    except orjson.JSONEncodeError as exc:
        raise Invalid("An app payload must be plain JSON") from exc
    if _has_nul(data):  # PostgreSQL's jsonb cannot hold NUL characters
        raise Invalid("An app payload cannot contain NUL characters")
    if len(encoded) > settings.app_payload_max_bytes:
        raise PayloadTooLarge(f"App payloads are at most {settings.app_payload_max_bytes} bytes")
    return data


async def get_app_payload(session: AsyncSession, app: App, user_id: int) -> dict[str, Any]:
    """The app's payload for the user; `{}` when it has none."""
    row = await repository.get_payload(session, app.id, user_id)
    return dict(row.data) if row is not None else {}


async def replace_app_payload(
    session: AsyncSession, app: App, user_id: int, data: Any, *, settings: Settings
) -> dict[str, Any]:
    """Replace the app's whole payload for the user (keys not given vanish)."""
    checked = _check_payload(data, settings=settings)
    await user_row.lock_user(session, user_id)  # the user's row before the payload's
    await repository.put_payload(session, app.id, user_id, checked)
    await user_row.touch_profile(session, user_id)
    return checked


async def replace_app_payloads(
    session: AsyncSession, user_id: int, by_url: dict[str, Any], *, settings: Settings
) -> dict[str, dict[str, Any]]:
    """Replace the payloads of several apps by URL (a super app's call); unknown URLs are ignored.

    Returns the payloads written, by URL.
    """
    checked = {
        url: _check_payload(data, settings=settings)
        for url, data in by_url.items()
        if "\x00" not in url  # no app URL holds one; PostgreSQL could not even compare it
    }
    apps = sorted(await repository.get_apps_by_urls(session, checked), key=lambda app: app.id)
    if apps:
        await user_row.lock_user(session, user_id)  # the user's row, then payloads by app id
    written: dict[str, dict[str, Any]] = {}
    for app in apps:
        await repository.put_payload(session, app.id, user_id, checked[app.url])
        written[app.url] = checked[app.url]
    if written:
        await user_row.touch_profile(session, user_id)
    return written


async def user_payloads(session: AsyncSession, user_id: int) -> list[UserPayload]:
    rows = await repository.payloads_of_user(session, user_id)
    return [UserPayload(app.url, app.name, dict(payload.data)) for app, payload in rows]


async def user_payloads_by_url(session: AsyncSession, user_id: int) -> dict[str, dict[str, Any]]:
    """Goncord's `apps` map: `{app_url: payload}`."""
    items = await user_payloads(session, user_id)
    return {item.url: item.data for item in items}


# --- menu ----------------------------------------------------------------------------------


async def menu_for_user(session: AsyncSession, user_id: int) -> list[MenuEntry]:
    """Apps reachable through the user's roles, once each, with the (first) granting role."""
    seen: set[int] = set()
    entries: list[MenuEntry] = []
    for app, role in await repository.menu_rows(session, user_id):
        if app.id not in seen:
            seen.add(app.id)
            entries.append(MenuEntry(app.url, app.name, role))
    return entries
