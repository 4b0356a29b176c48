"""OpenID Connect: discovery, the authorize step and Authlib's endpoints under /oauth."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from parley.deps import Client, LimiterDep, Session, SettingsDep, StorageDep
from parley.identity.accounts.deps import CurrentPrincipal
from parley.identity.sessions.deps import KeyRingDep
from parley.kit.openapi import responses
from parley.oidc import service
from parley.oidc.schemas import OAUTH_ERRORS, AuthorizeAnswer, AuthorizeRequest, ClientInfo
from parley.oidc.server import HttpRequest, HttpResponse

router = APIRouter(tags=["oidc"])
native_router = APIRouter(tags=["oidc"])
LOGOUT_RESPONSES: dict[int | str, dict[str, object]] = {
    **OAUTH_ERRORS,
    302: {"description": "Signed out: back to the registered `post_logout_redirect_uri`"},
}


async def _http_request(request: Request, public_url: str) -> HttpRequest:
    fields: dict[str, list[str]] = {}
    items = list(request.query_params.multi_items())
    if request.method == "POST":
        form = await request.form()
        items += [(key, value) for key, value in form.multi_items() if isinstance(value, str)]
    for key, value in items:
        fields.setdefault(key, []).append(value)
    url = public_url.rstrip("/") + request.url.path
    return HttpRequest(request.method, url, request.headers, fields)


def _response(answer: HttpResponse | None, empty: dict[str, Any]) -> Response:
    if answer is None:
        return JSONResponse(empty)
    if isinstance(answer.body, dict):
        return JSONResponse(answer.body, answer.status, answer.headers)
    return Response(answer.body or b"", answer.status, answer.headers)


@router.get("/.well-known/openid-configuration")
async def openid_configuration(settings: SettingsDep) -> dict[str, Any]:
    """OpenID Provider metadata (OpenID Connect Discovery 1.0)."""
    return service.discovery(settings=settings)


@router.get(service.AUTHORIZE_PATH, status_code=302, responses=responses(400))
async def authorize_in_browser(
    request: Request,
    session: Session,
    settings: SettingsDep,
    storage: StorageDep,
    keyring: KeyRingDep,
) -> Response:
    """The authorization endpoint: checks the request and sends the browser to the web
    client's `/authorize` screen (or back to the client with an error)."""
    to = await service.begin_authorization(
        session, request.url.query, settings=settings, storage=storage, keyring=keyring
    )
    return RedirectResponse(to, status_code=302, headers={"Cache-Control": "no-store"})


@native_router.post(
    "/oauth/authorize",
    response_model=AuthorizeAnswer,
    response_model_exclude_none=True,
    responses=responses(400, 401),
)
async def authorize_signed_in(
    body: AuthorizeRequest,
    principal: CurrentPrincipal,
    session: Session,
    settings: SettingsDep,
    storage: StorageDep,
    keyring: KeyRingDep,
) -> AuthorizeAnswer:
    """The web client's authorize call for the signed-in person: where to send the browser,
    `login_required` (sign in afresh, then call again), or `consent_required` with the client
    and scopes to show."""
    answer = await service.authorize(
        session,
        principal,
        query=body.query,
        consent=body.consent,
        settings=settings,
        storage=storage,
        keyring=keyring,
    )
    if isinstance(answer, service.Redirect):
        return AuthorizeAnswer(redirect_to=answer.to)
    if isinstance(answer, service.LoginNeeded):
        return AuthorizeAnswer(login_required=True)
    return AuthorizeAnswer(
        consent_required=True,
        client=ClientInfo(name=answer.client_name, url=answer.client_url),
        scopes=answer.scopes,
    )


@router.post(service.TOKEN_PATH, responses=OAUTH_ERRORS)
async def token(
    request: Request,
    session: Session,
    settings: SettingsDep,
    storage: StorageDep,
    keyring: KeyRingDep,
    limiter: LimiterDep,
    client: Client,
) -> Response:
    """The token endpoint: `authorization_code` (with PKCE) and `refresh_token` grants."""
    http = await _http_request(request, settings.public_url)
    return _response(
        await service.endpoint(
            session,
            "token",
            http,
            client.ip,
            settings=settings,
            limiter=limiter,
            storage=storage,
            keyring=keyring,
        ),
        {},
    )


@router.get(service.USERINFO_PATH, operation_id="userinfo_get", responses=OAUTH_ERRORS)
@router.post(service.USERINFO_PATH, operation_id="userinfo_post", responses=OAUTH_ERRORS)
async def userinfo(
    request: Request,
    session: Session,
    settings: SettingsDep,
    storage: StorageDep,
    keyring: KeyRingDep,
    limiter: LimiterDep,
    client: Client,
) -> Response:
    """Claims about the bearer's user, by the token's scopes."""
    http = await _http_request(request, settings.public_url)
    return _response(
        await service.endpoint(
            session,
            "userinfo",
            http,
            client.ip,
            settings=settings,
            limiter=limiter,
            storage=storage,
            keyring=keyring,
        ),
        {},
    )


@router.post(service.REVOKE_PATH, responses=OAUTH_ERRORS)
async def revoke(
    request: Request,
    session: Session,
    settings: SettingsDep,
    storage: StorageDep,
    keyring: KeyRingDep,
    limiter: LimiterDep,
    client: Client,
) -> Response:
    """Token revocation (RFC 7009): either half of a token pair ends both."""
    http = await _http_request(request, settings.public_url)
    return _response(
        await service.endpoint(
            session,
            "revocation",
            http,
            client.ip,
            settings=settings,
            limiter=limiter,
            storage=storage,
            keyring=keyring,
        ),
        {},
    )


@router.post(service.INTROSPECT_PATH, responses=OAUTH_ERRORS)
async def introspect(
    request: Request,
    session: Session,
    settings: SettingsDep,
    storage: StorageDep,
    keyring: KeyRingDep,
    limiter: LimiterDep,
    client: Client,
) -> Response:
    """Token introspection (RFC 7662) for the confidential client the token belongs to."""
    http = await _http_request(request, settings.public_url)
    return _response(
        await service.endpoint(
            session,
            "introspection",
            http,
            client.ip,
            settings=settings,
            limiter=limiter,
            storage=storage,
            keyring=keyring,
        ),
        {},
    )


@router.get(service.LOGOUT_PATH, operation_id="end_session_get", responses=LOGOUT_RESPONSES)
@router.post(service.LOGOUT_PATH, operation_id="end_session_post", responses=LOGOUT_RESPONSES)
async def end_session(
    request: Request,
    session: Session,
    settings: SettingsDep,
    storage: StorageDep,
    keyring: KeyRingDep,
    limiter: LimiterDep,
    client: Client,
) -> Response:
    """RP-initiated logout: ends the Parley session the `id_token_hint` names, then returns
    to a registered `post_logout_redirect_uri` (or answers `{"signed_out": true}`)."""
    http = await _http_request(request, settings.public_url)
    return _response(
        await service.endpoint(
            session,
            "end_session",
            http,
            client.ip,
            settings=settings,
            limiter=limiter,
            storage=storage,
            keyring=keyring,
        ),
        {"signed_out": True},
    )
