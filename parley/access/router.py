"""Native roles, apps, app payloads and menu: /v1/roles, /v1/apps, /v1/menu."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from parley.access import service
from parley.access.deps import Admin, CurrentApp, SuperApp
from parley.access.schemas import (
    AppCreate,
    AppCreated,
    AppRead,
    AppToken,
    MenuItem,
    RoleCreate,
    RoleList,
    RoleRead,
    UserAppPayload,
)
from parley.deps import Session, SettingsDep
from parley.identity.accounts import lookup
from parley.identity.accounts.deps import CurrentUser
from parley.kit.ids import PathId
from parley.kit.openapi import responses

router = APIRouter(tags=["access"])
admin = APIRouter(tags=["access admin"], dependencies=[Admin])

PayloadBody = Body(description="A JSON object", examples=[{"role": "STUDENT"}])
PayloadsBody = Body(description="`{app_url: payload}`; unknown URLs are ignored")


def app_read(view: service.AppView) -> AppRead:
    app = view.app
    return AppRead(id=app.id, url=app.url, name=app.name, super=app.is_super, roles=view.roles)


# --- the caller's own view -----------------------------------------------------------------


@router.get("/menu", response_model=list[MenuItem], responses=responses(401))
async def read_menu(user: CurrentUser, session: Session) -> list[MenuItem]:
    """Apps the caller's roles can see, each once, with the granting role."""
    entries = await service.menu_for_user(session, user.id)
    return [MenuItem(url=e.url, name=e.name, role=e.role) for e in entries]


@router.get("/users/me/roles", response_model=RoleList, responses=responses(401))
async def read_my_roles(user: CurrentUser, session: Session) -> RoleList:
    """The caller's roles."""
    return RoleList(roles=await service.user_roles(session, user.id))


@router.get("/users/me/apps", response_model=list[UserAppPayload], responses=responses(401))
async def read_my_app_payloads(user: CurrentUser, session: Session) -> list[UserAppPayload]:
    """Every app payload stored for the caller."""
    items = await service.user_payloads(session, user.id)
    return [UserAppPayload(url=i.url, name=i.name, payload=i.data) for i in items]


# --- an app acting for the signed-in user --------------------------------------------------


@router.get("/apps/current/payload", responses=responses(401))
async def read_own_payload(app: CurrentApp, user: CurrentUser, session: Session) -> dict[str, Any]:
    """The calling app's payload for the signed-in user (`{}` when none)."""
    return await service.get_app_payload(session, app, user.id)


@router.put("/apps/current/payload", responses=responses(400, 401, 413))
async def replace_own_payload(
    app: CurrentApp,
    user: CurrentUser,
    session: Session,
    settings: SettingsDep,
    payload: dict[str, Any] = PayloadBody,
) -> dict[str, Any]:
    """Replace the calling app's payload for the signed-in user."""
    return await service.replace_app_payload(session, app, user.id, payload, settings=settings)


@router.get("/apps/{app_id}/payloads/{user_id}", responses=responses(401, 403, 404))
async def read_app_payload(
    app_id: PathId, user_id: PathId, _app: SuperApp, session: Session
) -> dict[str, Any]:
    """Any app's payload for any user (super app)."""
    target = await service.get_app(session, app_id)
    await lookup.get_live_user(session, user_id)
    return await service.get_app_payload(session, target, user_id)


@router.put("/apps/{app_id}/payloads/{user_id}", responses=responses(400, 401, 403, 404, 413))
async def replace_app_payload(
    app_id: PathId,
    user_id: PathId,
    _app: SuperApp,
    session: Session,
    settings: SettingsDep,
    payload: dict[str, Any] = PayloadBody,
) -> dict[str, Any]:
    """Replace any app's payload for any user (super app)."""
    target = await service.get_app(session, app_id)
    await lookup.get_live_user(session, user_id)
    return await service.replace_app_payload(session, target, user_id, payload, settings=settings)


@router.patch("/users/{user_id}/apps", responses=responses(400, 401, 403, 404, 413))
async def replace_app_payloads(
    user_id: PathId,
    _app: SuperApp,
    session: Session,
    settings: SettingsDep,
    payloads: dict[str, Any] = PayloadsBody,
) -> dict[str, dict[str, Any]]:
    """Replace several apps' payloads for a user by app URL (super app); returns those written."""
    await lookup.get_live_user(session, user_id)
    return await service.replace_app_payloads(session, user_id, payloads, settings=settings)


# --- administration (admin role or super app) ----------------------------------------------


@admin.get("/roles", response_model=list[RoleRead], responses=responses(401, 403))
async def list_roles(session: Session) -> list[RoleRead]:
    """All roles."""
    return [RoleRead.model_validate(role) for role in await service.list_roles(session)]


@admin.post(
    "/roles", status_code=201, response_model=RoleRead, responses=responses(400, 401, 403, 409)
)
async def create_role(body: RoleCreate, session: Session) -> RoleRead:
    """Create a role."""
    return RoleRead.model_validate(await service.create_role(session, body.name))


@admin.delete("/roles/{name}", status_code=204, responses=responses(401, 403, 404))
async def delete_role(name: str, session: Session) -> None:
    """Delete a role; its members and apps lose it."""
    await service.delete_role(session, name)


@admin.get("/users/{user_id}/roles", response_model=RoleList, responses=responses(401, 403, 404))
async def read_user_roles(user_id: PathId, session: Session) -> RoleList:
    """A user's roles."""
    user = await lookup.get_live_user(session, user_id)
    return RoleList(roles=await service.user_roles(session, user.id))


@admin.put(
    "/users/{user_id}/roles", response_model=RoleList, responses=responses(400, 401, 403, 404)
)
async def replace_user_roles(user_id: PathId, body: RoleList, session: Session) -> RoleList:
    """Give a user exactly these roles (unknown roles are created)."""
    user = await lookup.get_live_user(session, user_id)
    return RoleList(roles=await service.set_user_roles(session, user, body.roles))


@admin.get("/apps", response_model=list[AppRead], responses=responses(401, 403))
async def list_apps(session: Session) -> list[AppRead]:
    """All apps (tokens are never shown again)."""
    return [app_read(view) for view in await service.list_apps(session)]


@admin.post(
    "/apps", status_code=201, response_model=AppCreated, responses=responses(400, 401, 403, 409)
)
async def create_app(body: AppCreate, session: Session) -> AppCreated:
    """Register an app; the response carries its token, shown this once."""
    created = await service.create_app(
        session, url=body.url, name=body.name, is_super=body.super, roles=body.roles
    )
    read = app_read(service.AppView(created.app, created.roles))
    return AppCreated(**read.model_dump(), token=created.token)


@admin.put("/apps/{app_id}/roles", response_model=AppRead, responses=responses(400, 401, 403, 404))
async def replace_app_roles(app_id: PathId, body: RoleList, session: Session) -> AppRead:
    """Members of these roles see the app in their menu."""
    app = await service.get_app(session, app_id)
    roles = await service.set_app_roles(session, app, body.roles)
    return app_read(service.AppView(app, roles))


@admin.post(
    "/apps/{app_id}/rotate-token", response_model=AppToken, responses=responses(401, 403, 404)
)
async def rotate_app_token(app_id: PathId, session: Session) -> AppToken:
    """Issue a new token; the old one stops working at once."""
    app = await service.get_app(session, app_id)
    return AppToken(token=await service.rotate_app_token(session, app))


@admin.delete("/apps/{app_id}", status_code=204, responses=responses(401, 403, 404))
async def delete_app(app_id: PathId, session: Session) -> None:
    """Delete an app and its payloads."""
    await service.delete_app(session, await service.get_app(session, app_id))


router.include_router(admin)
