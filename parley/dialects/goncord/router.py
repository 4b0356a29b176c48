"""Goncord (seed 001): the auth service's /api/v0 paths, shapes and status codes.

Tokens: `Authorization` (`Bearer X` or bare `X`); only when that header is absent, the `jwt`
cookie. Apps: the `x-app-token` header. Where a super app is needed the user token is
checked first (401), then a missing, unknown or non-super app token is 403 (the original's
`IsSuperResource`); `resource/self_update` answers 401 for a missing or unknown app token.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any, Protocol

from fastapi import Body, Response

from parley.access import service as access
from parley.access.deps import CurrentApp, OptionalApp
from parley.accounts import signup as accounts
from parley.deps import Client, LimiterDep, MailerDep, Session, SettingsDep
from parley.dialects.goncord.deps import SuperAppGate
from parley.dialects.goncord.errors import MissingLogin, WrongOldPassword, render
from parley.dialects.goncord.schemas import (
    ChangePasswordBody,
    ErrorBody,
    GoncordUser,
    MenuEntry,
    RegisterBody,
    RoleName,
    RolesBody,
    TokenAnswer,
    TokenBody,
    UserUpdateBody,
    role_names,
)
from parley.dialects.kit import NamedUser, dialect_router, error_responses
from parley.identity.accounts import service as identity
from parley.identity.accounts.deps import CurrentPrincipal, CurrentUser, PasswordsDep
from parley.identity.accounts.errors import InvalidCredentials, WeakPassword
from parley.identity.devices import login as device_login
from parley.identity.devices import service as devices
from parley.identity.sessions import service as sessions
from parley.identity.sessions.deps import SignerDep
from parley.profiles import service as profiles
from parley.settings import Settings

router = dialect_router(render, tag="dialect: Goncord")

PREFIX = "/api/v0"
COOKIE = "jwt"
# one long-lived token per login; no code step, so a new device gets the mailed approval
SURFACE = devices.Surface("goncord", with_refresh=False, approval=True)
NAME_FIELDS = ("second_name", "last_name", "first_name", "birthday")
PayloadBody = Body(description="The calling app's new payload (a JSON object)")
PayloadsBody = Body(description="`{app_url: payload}`; unknown URLs are ignored")


class UserFields(NamedUser, Protocol):
    """The parts of a Parley user the user object shows."""

    @property
    def email(self) -> str | None: ...
    @property
    def first_name(self) -> str | None: ...
    @property
    def last_name(self) -> str | None: ...
    @property
    def second_name(self) -> str | None: ...
    @property
    def birthday(self) -> date | None: ...


errors = partial(error_responses, ErrorBody)


async def user_object(session: Session, user: UserFields) -> GoncordUser:
    """The seed's user object: names, `roles` [{name}] and `apps` {url: payload}."""
    roles = await access.user_roles(session, user.id)
    return GoncordUser(
        second_name=user.second_name,
        roles=[RoleName(name=name) for name in roles],
        login=user.username,
        last_name=user.last_name,
        first_name=user.first_name,
        email=user.email,
        birthday=user.birthday,
        apps=await access.user_payloads_by_url(session, user.id),
    )


def set_cookie(response: Response, token: str, *, settings: Settings) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=settings.long_access_ttl_seconds,
        httponly=True,
        samesite="lax",
        secure=settings.public_url.startswith("https://"),
    )


# --- users -----------------------------------------------------------------------------------


_register = errors(400, 401, 403, 422, 429)


@router.post(f"{PREFIX}/users", status_code=201, response_model=GoncordUser, responses=_register)
async def register_user(
    body: RegisterBody,
    app: OptionalApp,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    mailer: MailerDep,
    passwords: PasswordsDep,
    client: Client,
) -> GoncordUser:
    """Регистрация, with `roles` as the seed's example shows; protected roles (the admin
    role, roles created protected) need a super `x-app-token` (403 otherwise)."""
    profile = body.model_dump(include=set(NAME_FIELDS))
    account = accounts.NewAccount(body.login, body.password, body.email, profile)
    roles = role_names(body.roles)
    user = await accounts.sign_up(
        session,
        account,
        client=client,
        roles=roles,
        app=app,
        settings=settings,
        limiter=limiter,
        mailer=mailer,
        passwords=passwords,
    )
    return await user_object(session, user)


@router.patch(
    f"{PREFIX}/users", response_model=GoncordUser, responses=errors(400, 401, 403, 413, 422)
)
async def update_user(
    body: UserUpdateBody,
    _app: SuperAppGate,
    user: CurrentUser,
    session: Session,
    settings: SettingsDep,
) -> GoncordUser:
    """Обновление (super app): names and birthday; `roles` and `apps` payloads replace."""
    changes = {name: getattr(body, name) for name in NAME_FIELDS if name in body.model_fields_set}
    await profiles.update_profile(session, user, changes)
    if body.roles is not None:
        await access.set_user_roles(session, user, role_names(body.roles))
    if body.apps is not None:
        await access.replace_app_payloads(session, user.id, body.apps, settings=settings)
    return await user_object(session, user)


@router.post(
    f"{PREFIX}/users/change_password",
    status_code=200,
    response_class=Response,  # 200 with no body
    responses={200: {"description": "Changed"}, **errors(400, 401, 422, 429)},
)
async def change_password(
    body: ChangePasswordBody,
    principal: CurrentPrincipal,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    passwords: PasswordsDep,
    client: Client,
) -> Response:
    """Смена пароля: 200 with no body; every other session is signed out."""
    try:
        await identity.change_password(
            session,
            principal,
            body.old_password,
            body.new_password,
            client,
            settings=settings,
            limiter=limiter,
            passwords=passwords,
        )
    except InvalidCredentials as exc:
        raise WrongOldPassword(field="old_password") from exc
    except WeakPassword as exc:
        raise WeakPassword(exc.message, field="new_password") from exc
    return Response(status_code=200)


# --- tokens ----------------------------------------------------------------------------------


@router.post(f"{PREFIX}/tokens", status_code=201, responses=errors(400, 401, 422, 429))
async def create_token(
    body: TokenBody,
    response: Response,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    mailer: MailerDep,
    passwords: PasswordsDep,
    signer: SignerDep,
    client: Client,
) -> TokenAnswer:
    """Авторизация by `login` or `email` (201); also sets an HttpOnly `jwt` cookie. A wrong
    login or password is 422. An account that has proven a device elsewhere gets 401 "check
    the mail" from a new client until the person opens the mailed approval link."""
    login = body.login or body.email
    if not login:
        raise MissingLogin()
    issued = await device_login.sign_in(
        session,
        login,
        body.password,
        client,
        SURFACE,
        settings=settings,
        limiter=limiter,
        mailer=mailer,
        passwords=passwords,
        signer=signer,
    )
    set_cookie(response, issued.access_token, settings=settings)
    return TokenAnswer(user=await user_object(session, issued.user), jwt=issued.access_token)


@router.delete(f"{PREFIX}/tokens", status_code=204, responses=errors(401))
async def delete_token(principal: CurrentPrincipal, session: Session) -> Response:
    """Выход: revokes the current session only; clears the `jwt` cookie."""
    await sessions.logout(session, principal)
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, httponly=True, samesite="lax")
    return response


@router.get(f"{PREFIX}/tokens/validate", response_model=GoncordUser, responses=errors(401))
async def validate_token(user: CurrentUser, session: Session) -> GoncordUser:
    """Валидация: the token from `Authorization`, or the `jwt` cookie when it is absent."""
    return await user_object(session, user)


# --- app payloads ----------------------------------------------------------------------------


_own_payload = errors(400, 401, 413, 422)
_payloads = errors(400, 401, 403, 413, 422)


@router.patch(f"{PREFIX}/resource/self_update", response_model=GoncordUser, responses=_own_payload)
async def update_own_payload(
    app: CurrentApp,
    user: CurrentUser,
    session: Session,
    settings: SettingsDep,
    payload: dict[str, Any] = PayloadBody,
) -> GoncordUser:
    """Обновление payloads: replaces the calling app's payload for the user."""
    await access.replace_app_payload(session, app, user.id, payload, settings=settings)
    return await user_object(session, user)


@router.patch(f"{PREFIX}/resource/update", response_model=GoncordUser, responses=_payloads)
async def update_payloads(
    _app: SuperAppGate,
    user: CurrentUser,
    session: Session,
    settings: SettingsDep,
    payloads: dict[str, Any] = PayloadsBody,
) -> GoncordUser:
    """Super app: replaces the payloads of the apps named by URL for the user."""
    await access.replace_app_payloads(session, user.id, payloads, settings=settings)
    return await user_object(session, user)


# --- roles and menu --------------------------------------------------------------------------


@router.post(f"{PREFIX}/roles", response_model=list[RoleName], responses=errors(400, 401, 403, 422))
async def set_roles(
    body: RolesBody, _app: SuperAppGate, user: CurrentUser, session: Session
) -> list[RoleName]:
    """Добавление групп (super app): the user gets exactly these roles (unknown ones are
    created)."""
    names = await access.set_user_roles(session, user, role_names(body.roles))
    return [RoleName(name=name) for name in names]


@router.delete(f"{PREFIX}/roles", status_code=204, responses=errors(400, 401, 403, 422))
async def remove_roles(
    body: RolesBody, _app: SuperAppGate, user: CurrentUser, session: Session
) -> Response:
    """Удаление групп (super app): removes the listed roles from the user."""
    await access.remove_user_roles(session, user, role_names(body.roles))
    return Response(status_code=204)


@router.get(f"{PREFIX}/menu", response_model=list[MenuEntry], responses=errors(401))
async def read_menu(user: CurrentUser, session: Session) -> list[MenuEntry]:
    """Меню: apps reachable through the user's roles, once each."""
    entries = await access.menu_for_user(session, user.id)
    return [MenuEntry(url=entry.url, name=entry.name) for entry in entries]
