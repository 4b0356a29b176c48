"""The admin console's API under /v1/admin (admin role or super app; every action audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request

from parley.admin import figures, service
from parley.admin.deps import AdminActor
from parley.admin.schemas import (
    AdminMe,
    AppCreate,
    AppCreated,
    AppRead,
    AppToken,
    AuditPage,
    AuditRead,
    ClientSecret,
    DeviceRead,
    FiguresRead,
    KeyRead,
    Reauth,
    RedirectUris,
    RoleGrant,
    RoleRead,
    SessionsRevoked,
    TwoFactorRead,
    UserDetailRead,
    UserRoles,
    UsersPage,
    UserStateChange,
    UserSummary,
)
from parley.deps import LimiterDep, Session, SettingsDep
from parley.identity.accounts.deps import PasswordsDep
from parley.kit.ids import CursorId, PathId
from parley.kit.openapi import responses

router = APIRouter(prefix="/admin", tags=["admin console"])
Limit = Annotated[int, Query(ge=1, le=100)]
ReauthBody = Annotated[Reauth, Body(default_factory=Reauth)]
RoleName = Annotated[str, Path(min_length=1, max_length=64)]


def user_summary(user: object) -> UserSummary:
    return UserSummary.model_validate(user, from_attributes=True)


def user_detail(detail: service.UserDetail) -> UserDetailRead:
    user, key = detail.user, detail.key
    return UserDetailRead(
        **user_summary(user).model_dump(),
        email_verified_at=user.email_verified_at,
        roles=detail.roles,
        live_sessions=detail.live_sessions,
        devices=[DeviceRead.model_validate(d, from_attributes=True) for d in detail.devices],
        two_factor=TwoFactorRead.model_validate(detail.two_factor, from_attributes=True),
        e2e_key=KeyRead(locked=key.locked, tries_left=key.tries_left) if key else None,
    )


def app_read(entry: service.AppEntry) -> AppRead:
    app, client = entry.app, entry.client
    oidc = None
    if client is not None:
        oidc = {
            "client_id": client.client_id,
            "public": client.is_public,
            "first_party": client.first_party,
            "redirect_uris": client.redirect_uris,
            "post_logout_redirect_uris": client.post_logout_redirect_uris,
        }
    return AppRead.model_validate(
        {
            "id": app.id,
            "url": app.url,
            "name": app.name,
            "super": app.is_super,
            "roles": entry.roles,
            "created_at": app.created_at,
            "oidc": oidc,
        }
    )


@router.get("/me", response_model=AdminMe, responses=responses(401, 403))
async def read_admin_me(actor: AdminActor) -> AdminMe:
    """Whether the caller may use the console (200) or not (403)."""
    return AdminMe(actor=actor.name)


# --- users ---------------------------------------------------------------------------------


@router.get("/users", response_model=UsersPage, responses=responses(401, 403))
async def search_users(
    _actor: AdminActor,
    session: Session,
    q: Annotated[str, Query(max_length=320, description="Username or email prefix")] = "",
    after: CursorId = None,
    limit: Limit = 50,
) -> UsersPage:
    """Users whose username or email starts with `q`, by id (keyset paged)."""
    page = await service.search_users(session, q, after=after, limit=limit)
    return UsersPage(items=[user_summary(u) for u in page.items], next_cursor=page.next_cursor)


@router.get("/users/{user_id}", response_model=UserDetailRead, responses=responses(401, 403, 404))
async def read_user(user_id: PathId, _actor: AdminActor, session: Session) -> UserDetailRead:
    """A user with roles, live sessions, devices, second factors and E2E key state."""
    return user_detail(await service.view_user(session, user_id))


@router.patch(
    "/users/{user_id}", response_model=UserDetailRead, responses=responses(401, 403, 404, 409)
)
async def change_user_state(
    user_id: PathId,
    body: UserStateChange,
    actor: AdminActor,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    passwords: PasswordsDep,
) -> UserDetailRead:
    """Disable (sessions revoked, sign-in refused; re-authenticates) or enable an account."""
    if body.disabled:
        await service.disable_user(
            session,
            actor,
            user_id,
            body.current_password,
            settings=settings,
            limiter=limiter,
            passwords=passwords,
        )
    else:
        await service.enable_user(session, actor, user_id)
    return user_detail(await service.view_user(session, user_id))


@router.post(
    "/users/{user_id}/revoke-sessions",
    response_model=SessionsRevoked,
    responses=responses(401, 403, 404),
)
async def revoke_user_sessions(
    user_id: PathId,
    actor: AdminActor,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    passwords: PasswordsDep,
    body: ReauthBody,
) -> SessionsRevoked:
    """Sign the user out of every session (re-authenticates)."""
    count = await service.revoke_sessions(
        session,
        actor,
        user_id,
        body.current_password,
        settings=settings,
        limiter=limiter,
        passwords=passwords,
    )
    return SessionsRevoked(revoked=count)


@router.post(
    "/users/{user_id}/reset-two-factor",
    response_model=TwoFactorRead,
    responses=responses(401, 403, 404),
)
async def reset_user_two_factor(
    user_id: PathId,
    actor: AdminActor,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    passwords: PasswordsDep,
    body: ReauthBody,
) -> TwoFactorRead:
    """Remove the user's TOTP, passkeys and recovery codes (re-authenticates)."""
    state = await service.reset_two_factor(
        session,
        actor,
        user_id,
        body.current_password,
        settings=settings,
        limiter=limiter,
        passwords=passwords,
    )
    return TwoFactorRead.model_validate(state, from_attributes=True)


@router.post(
    "/users/{user_id}/unlock-key", response_model=KeyRead, responses=responses(401, 403, 404)
)
async def unlock_user_key(user_id: PathId, actor: AdminActor, session: Session) -> KeyRead:
    """Clear the E2E key's wrong-PIN count and lock."""
    key = await service.unlock_key(session, actor, user_id)
    return KeyRead(locked=key.locked, tries_left=key.tries_left)


# --- roles ---------------------------------------------------------------------------------


@router.get("/roles", response_model=list[RoleRead], responses=responses(401, 403))
async def list_roles(_actor: AdminActor, session: Session) -> list[RoleRead]:
    """Every role with the apps its members see."""
    return [RoleRead(name=r.name, apps=r.apps) for r in await service.list_roles(session)]


@router.post(
    "/users/{user_id}/roles", response_model=UserRoles, responses=responses(400, 401, 403, 404)
)
async def grant_role(
    user_id: PathId, body: RoleGrant, actor: AdminActor, session: Session
) -> UserRoles:
    """Give a user a role (created when unknown)."""
    return UserRoles(roles=await service.grant_role(session, actor, user_id, body.role))


@router.delete(
    "/users/{user_id}/roles/{role}", response_model=UserRoles, responses=responses(401, 403, 404)
)
async def revoke_role(
    user_id: PathId, role: RoleName, actor: AdminActor, session: Session
) -> UserRoles:
    """Take a role from a user."""
    return UserRoles(roles=await service.revoke_role(session, actor, user_id, role))


# --- apps and OpenID Connect clients ------------------------------------------------------


@router.get("/apps", response_model=list[AppRead], responses=responses(401, 403))
async def list_apps(_actor: AdminActor, session: Session) -> list[AppRead]:
    """Every app with its OpenID Connect client, if any (no token or secret)."""
    return [app_read(entry) for entry in await service.list_apps(session)]


@router.post(
    "/apps", status_code=201, response_model=AppCreated, responses=responses(400, 401, 403, 409)
)
async def create_app(body: AppCreate, actor: AdminActor, session: Session) -> AppCreated:
    """Register an app (an OpenID Connect client with `redirect_uris`); the answer carries
    its token and client secret, shown this once."""
    created = await service.create_app(session, actor, **body.model_dump())
    return AppCreated(
        **app_read(created.entry).model_dump(),
        token=created.token,
        client_secret=created.client_secret,
    )


@router.post(
    "/apps/{app_id}/rotate-token", response_model=AppToken, responses=responses(401, 403, 404)
)
async def rotate_app_token(
    app_id: PathId,
    actor: AdminActor,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    passwords: PasswordsDep,
    body: ReauthBody,
) -> AppToken:
    """A new x-app-token (shown once); the old one stops working (re-authenticates)."""
    token = await service.rotate_app_token(
        session,
        actor,
        app_id,
        body.current_password,
        settings=settings,
        limiter=limiter,
        passwords=passwords,
    )
    return AppToken(token=token)


@router.post(
    "/apps/{app_id}/rotate-secret",
    response_model=ClientSecret,
    responses=responses(400, 401, 403, 404),
)
async def rotate_client_secret(
    app_id: PathId,
    actor: AdminActor,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    passwords: PasswordsDep,
    body: ReauthBody,
) -> ClientSecret:
    """A new client secret (shown once); the old one stops working (re-authenticates)."""
    secret = await service.rotate_client_secret(
        session,
        actor,
        app_id,
        body.current_password,
        settings=settings,
        limiter=limiter,
        passwords=passwords,
    )
    return ClientSecret(client_secret=secret)


@router.put(
    "/apps/{app_id}/redirect-uris", response_model=AppRead, responses=responses(400, 401, 403, 404)
)
async def set_redirect_uris(
    app_id: PathId, body: RedirectUris, actor: AdminActor, session: Session
) -> AppRead:
    """Replace the client's redirect URIs (https, loopback http or a private-use scheme)."""
    entry = await service.set_redirect_uris(
        session,
        actor,
        app_id,
        redirect_uris=body.redirect_uris,
        post_logout_redirect_uris=body.post_logout_redirect_uris,
    )
    return app_read(entry)


@router.delete("/apps/{app_id}", status_code=204, responses=responses(401, 403, 404))
async def delete_app(
    app_id: PathId,
    actor: AdminActor,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    passwords: PasswordsDep,
    body: ReauthBody,
) -> None:
    """Delete an app, its payloads and its OpenID Connect client (re-authenticates)."""
    await service.delete_app(
        session,
        actor,
        app_id,
        body.current_password,
        settings=settings,
        limiter=limiter,
        passwords=passwords,
    )


# --- audit log and figures -----------------------------------------------------------------


@router.get("/audit", response_model=AuditPage, responses=responses(401, 403))
async def list_audit(
    _actor: AdminActor,
    session: Session,
    user_id: CursorId = None,
    kind: Annotated[str | None, Query(min_length=1, max_length=40)] = None,
    before: CursorId = None,
    limit: Limit = 50,
) -> AuditPage:
    """The audit log, newest first; `user_id` matches the account concerned or the acting
    administrator, `kind` one event (`admin.user_disabled`, `session.revoked`, …)."""
    page = await service.list_audit(session, user_id=user_id, kind=kind, before=before, limit=limit)
    items = [
        AuditRead(
            id=e.event.id,
            created_at=e.event.created_at,
            kind=e.event.kind,
            user_id=e.event.user_id,
            username=e.username,
            actor_id=e.event.actor_id,
            actor=e.actor,
            ip=e.event.ip,
            detail=e.event.detail,
        )
        for e in page.items
    ]
    return AuditPage(items=items, next_cursor=page.next_cursor)


@router.get("/figures", response_model=FiguresRead, responses=responses(401, 403))
async def read_figures(_actor: AdminActor, session: Session, request: Request) -> FiguresRead:
    """Live sessions, sockets connected and sends per second (this instance's counters)."""
    live = await service.live_figures(session, figures.connected_sockets(request.app.state.hub))
    return FiguresRead.model_validate(live, from_attributes=True)
