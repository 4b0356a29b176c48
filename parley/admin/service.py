"""One function per admin action. Each calls the owning domain's service function (nothing
of theirs is re-implemented here) and writes its audit record (`admin.audit.record`);
destructive ones re-authenticate the administrator first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from parley.access import service as access
from parley.admin import audit, figures
from parley.admin import repository as repo
from parley.admin.deps import Actor
from parley.admin.errors import CannotDisableSelf
from parley.errors import NotFound
from parley.identity.accounts.passwords import Passwords
from parley.identity.devices import service as devices
from parley.identity.passkeys import service as passkeys
from parley.identity.sessions import repository as users
from parley.identity.sessions import service as sessions
from parley.identity.twofactor import totp
from parley.infra.ratelimit import RateLimiter
from parley.kit.time import utc_now
from parley.messaging import keys
from parley.messaging.errors import KeyMissing
from parley.models import App, AuditEvent, KnownDevice, OidcClient, User
from parley.moderation import service as moderation
from parley.oidc import clients
from parley.oidc.errors import InvalidRedirectUri
from parley.settings import Settings

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: int | None


@dataclass(frozen=True)
class UserDetail:
    user: User
    roles: list[str]
    live_sessions: int
    devices: Sequence[KnownDevice]
    two_factor: totp.TwoFactorStatus
    key: keys.KeyState | None


@dataclass(frozen=True)
class AuditEntry:
    event: AuditEvent
    username: str | None
    actor: str | None


@dataclass(frozen=True)
class RoleUse:
    name: str
    apps: list[str]


@dataclass(frozen=True)
class AppEntry:
    app: App
    roles: list[str]
    client: OidcClient | None


@dataclass(frozen=True)
class CreatedApp:
    entry: AppEntry
    token: str
    client_secret: str | None
    """Both shown once: only their hashes are stored."""


@dataclass(frozen=True)
class LiveFigures:
    live_sessions: int
    sockets: int
    sends_per_second: float


async def _user(session: AsyncSession, user_id: int) -> User:
    user = await users.get_user(session, user_id)
    if user is None:
        raise NotFound("No such user")
    return user


# --- users ---------------------------------------------------------------------------------


async def search_users(
    session: AsyncSession, prefix: str, *, after: int | None, limit: int
) -> Page[User]:
    rows = await repo.search_users(session, prefix.strip(), after_id=after, limit=limit + 1)
    items = list(rows[:limit])
    return Page(items, items[-1].id if len(rows) > limit else None)


async def view_user(session: AsyncSession, user_id: int) -> UserDetail:
    user = await _user(session, user_id)
    try:
        key: keys.KeyState | None = await keys.get_key(session, user.id)
    except KeyMissing:
        key = None
    return UserDetail(
        user=user,
        roles=await access.user_roles(session, user.id),
        live_sessions=len(await sessions.list_sessions(session, user.id)),
        devices=await devices.list_devices(session, user.id),
        two_factor=await totp.status(session, user.id),
        key=key,
    )


async def disable_user(
    session: AsyncSession,
    actor: Actor,
    user_id: int,
    current_password: str | None,
    *,
    settings: Settings,
    limiter: RateLimiter,
    passwords: Passwords,
) -> User:
    if actor.user is not None and actor.user.id == user_id:
        raise CannotDisableSelf()
    await audit.confirm(
        session, actor, current_password, settings=settings, limiter=limiter, passwords=passwords
    )
    user = await moderation.disable_user(session, user_id)
    await audit.record(session, actor, "user_disabled", user_id=user.id, target=user.username)
    return user


async def enable_user(session: AsyncSession, actor: Actor, user_id: int) -> User:
    user = await moderation.enable_user(session, user_id)
    await audit.record(session, actor, "user_enabled", user_id=user.id, target=user.username)
    return user


async def revoke_sessions(
    session: AsyncSession,
    actor: Actor,
    user_id: int,
    current_password: str | None,
    *,
    settings: Settings,
    limiter: RateLimiter,
    passwords: Passwords,
) -> int:
    """Sign the user out everywhere; returns how many sessions ended."""
    user = await _user(session, user_id)
    await audit.confirm(
        session, actor, current_password, settings=settings, limiter=limiter, passwords=passwords
    )
    count = await sessions.revoke_all_sessions(session, user.id, "admin")
    await audit.record(
        session, actor, "sessions_revoked", user_id=user.id, target=user.username, count=count
    )
    return count


async def reset_two_factor(
    session: AsyncSession,
    actor: Actor,
    user_id: int,
    current_password: str | None,
    *,
    settings: Settings,
    limiter: RateLimiter,
    passwords: Passwords,
) -> totp.TwoFactorStatus:
    """Remove the TOTP credential, every passkey and the recovery codes."""
    user = await _user(session, user_id)
    await audit.confirm(
        session, actor, current_password, settings=settings, limiter=limiter, passwords=passwords
    )
    before = await totp.status(session, user.id)
    for passkey in await passkeys.list_passkeys(session, user.id):
        await passkeys.delete_passkey(session, user.id, passkey.id)
    await totp.reset(session, user.id)
    await audit.record(
        session,
        actor,
        "two_factor_reset",
        user_id=user.id,
        target=user.username,
        totp=before.totp,
        passkeys=before.passkeys,
    )
    return await totp.status(session, user.id)


async def unlock_key(session: AsyncSession, actor: Actor, user_id: int) -> keys.KeyState:
    """Clear the E2E key's PIN failure count and lock."""
    user = await _user(session, user_id)
    await keys.unlock_key(session, user.id)
    await audit.record(session, actor, "key_unlocked", user_id=user.id, target=user.username)
    return await keys.get_key(session, user.id)


# --- roles ---------------------------------------------------------------------------------


async def list_roles(session: AsyncSession) -> list[RoleUse]:
    """Every role with the apps its members see."""
    apps_of: dict[str, list[str]] = {}
    for view in await access.list_apps(session):
        for role in view.roles:
            apps_of.setdefault(role, []).append(view.app.url)
    return [RoleUse(r.name, apps_of.get(r.name, [])) for r in await access.list_roles(session)]


async def grant_role(session: AsyncSession, actor: Actor, user_id: int, role: str) -> list[str]:
    user = await _user(session, user_id)
    held = await access.add_user_roles(session, user, [access.clean_role_name(role)])
    await audit.record(
        session, actor, "role_granted", user_id=user.id, target=user.username, role=role.strip()
    )
    return held


async def revoke_role(session: AsyncSession, actor: Actor, user_id: int, role: str) -> list[str]:
    user = await _user(session, user_id)
    held = await access.remove_user_roles(session, user, [role])
    await audit.record(
        session, actor, "role_revoked", user_id=user.id, target=user.username, role=role.strip()
    )
    return held


# --- apps and OpenID Connect clients ------------------------------------------------------


async def list_apps(session: AsyncSession) -> list[AppEntry]:
    views = await access.list_apps(session)
    by_app = await repo.oidc_clients_of(session, [view.app.id for view in views])
    return [AppEntry(view.app, view.roles, by_app.get(view.app.id)) for view in views]


async def create_app(
    session: AsyncSession,
    actor: Actor,
    *,
    url: str,
    name: str,
    roles: Sequence[str],
    redirect_uris: Sequence[str],
    post_logout_redirect_uris: Sequence[str],
    public: bool,
    first_party: bool,
) -> CreatedApp:
    """An app (and, given redirect URIs, its OpenID Connect client); never a super app."""
    created, registered = await clients.create_app(
        session,
        url=url,
        name=name,
        roles=roles,
        redirect_uris=redirect_uris,
        post_logout_redirect_uris=post_logout_redirect_uris,
        public=public,
        first_party=first_party,
    )
    client = registered.client if registered is not None else None
    await audit.record(
        session,
        actor,
        "app_created",
        app_id=created.app.id,
        target=created.app.url,
        oidc=client is not None,
    )
    return CreatedApp(
        AppEntry(created.app, created.roles, client),
        created.token,
        registered.secret if registered is not None else None,
    )


async def rotate_app_token(
    session: AsyncSession,
    actor: Actor,
    app_id: int,
    current_password: str | None,
    *,
    settings: Settings,
    limiter: RateLimiter,
    passwords: Passwords,
) -> str:
    app = await access.get_app(session, app_id)
    await audit.confirm(
        session, actor, current_password, settings=settings, limiter=limiter, passwords=passwords
    )
    token = await access.rotate_app_token(session, app)
    await audit.record(session, actor, "app_token_rotated", app_id=app.id, target=app.url)
    return token


async def rotate_client_secret(
    session: AsyncSession,
    actor: Actor,
    app_id: int,
    current_password: str | None,
    *,
    settings: Settings,
    limiter: RateLimiter,
    passwords: Passwords,
) -> str:
    app = await access.get_app(session, app_id)
    await audit.confirm(
        session, actor, current_password, settings=settings, limiter=limiter, passwords=passwords
    )
    secret = await clients.rotate_secret(session, app)
    await audit.record(session, actor, "client_secret_rotated", app_id=app.id, target=app.url)
    return secret


async def set_redirect_uris(
    session: AsyncSession,
    actor: Actor,
    app_id: int,
    *,
    redirect_uris: Sequence[str],
    post_logout_redirect_uris: Sequence[str],
) -> AppEntry:
    """Replace the client's redirect URIs (each validated, matched exactly at sign-in)."""
    app = await access.get_app(session, app_id)
    client = await clients.client_of_app(session, app)
    uris = list(dict.fromkeys(clients.clean_redirect_uri(uri) for uri in redirect_uris))
    if not uris:
        raise InvalidRedirectUri("An OpenID Connect client needs at least one redirect URI")
    client.redirect_uris = uris
    client.post_logout_redirect_uris = list(
        dict.fromkeys(clients.clean_redirect_uri(uri) for uri in post_logout_redirect_uris)
    )
    await audit.record(
        session, actor, "redirect_uris_set", app_id=app.id, target=app.url, redirect_uris=uris
    )
    views = await access.list_apps(session)
    roles = next((view.roles for view in views if view.app.id == app.id), [])
    return AppEntry(app, roles, client)


async def delete_app(
    session: AsyncSession,
    actor: Actor,
    app_id: int,
    current_password: str | None,
    *,
    settings: Settings,
    limiter: RateLimiter,
    passwords: Passwords,
) -> None:
    app = await access.get_app(session, app_id)
    await audit.confirm(
        session, actor, current_password, settings=settings, limiter=limiter, passwords=passwords
    )
    await access.delete_app(session, app)
    await audit.record(session, actor, "app_deleted", app_id=app.id, target=app.url)


# --- audit log and figures -----------------------------------------------------------------


async def list_audit(
    session: AsyncSession,
    *,
    user_id: int | None,
    kind: str | None,
    before: int | None,
    limit: int,
) -> Page[AuditEntry]:
    rows = await repo.list_audit(
        session, user_id=user_id, kind=kind, before_id=before, limit=limit + 1
    )
    events = list(rows[:limit])
    ids = {e.user_id for e in events if e.user_id} | {e.actor_id for e in events if e.actor_id}
    names = await repo.usernames(session, ids)
    items = [
        AuditEntry(
            event,
            names.get(event.user_id) if event.user_id else None,
            names.get(event.actor_id) if event.actor_id else event.detail.get("actor"),
        )
        for event in events
    ]
    return Page(items, events[-1].id if len(rows) > limit else None)


async def live_figures(session: AsyncSession, sockets: int) -> LiveFigures:
    live = figures.cached_live_sessions()
    if live is None:
        live = await repo.count_live_sessions(session, utc_now())
        figures.remember_live_sessions(live)
    return LiveFigures(live, sockets, figures.sends_per_second())
