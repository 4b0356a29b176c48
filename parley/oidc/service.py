"""The OpenID Connect provider's operations, each run by Authlib in a worker thread.

`begin_authorization` checks the browser's request and sends it on to the web client's
`/authorize` screen; `authorize` is that screen's call (with the person's Parley session)
and answers with where to send the browser, or that consent is needed first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar
from urllib.parse import parse_qs

import anyio.to_thread
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import scope_to_list
from authlib.oidc.core.errors import ConsentRequiredError, LoginRequiredError
from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import Unauthorized
from parley.identity.sessions.keys import KeyRing
from parley.identity.sessions.tokens import Principal
from parley.infra.ratelimit import RateLimiter
from parley.infra.storage import Storage
from parley.kit import metrics
from parley.kit.time import clock
from parley.oidc import consents
from parley.oidc.adapters import SCOPES, SECRET_METHODS, Client, EndUser
from parley.oidc.claims import CLAIMS_SUPPORTED
from parley.oidc.errors import AuthorizationRefused
from parley.oidc.server import AuthorizationServer, HttpRequest, HttpResponse
from parley.oidc.store import Store
from parley.settings import Settings

T = TypeVar("T")

AUTHORIZE_PATH = "/oauth/authorize"
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a path
USERINFO_PATH = "/oauth/userinfo"
REVOKE_PATH = "/oauth/revoke"
INTROSPECT_PATH = "/oauth/introspect"
LOGOUT_PATH = "/oauth/logout"
WEB_AUTHORIZE_PATH = "/authorize"
MAX_QUERY = 8192
# `prompt=login` is met by a sign-in this recent (the web client signs in, then asks again)
FRESH_LOGIN_SECONDS = 120
CREDENTIAL_ENDPOINTS = ("token", "revocation", "introspection")


@dataclass(frozen=True)
class Redirect:
    to: str


@dataclass(frozen=True)
class LoginNeeded:
    """The sign-in is older than the client allows (`max_age`, `prompt=login`): sign the
    person in afresh and ask again with the new session."""


@dataclass(frozen=True)
class ConsentNeeded:
    client_name: str
    client_url: str
    scopes: list[str]


def discovery(*, settings: Settings) -> dict[str, Any]:
    issuer = settings.public_url.rstrip("/")
    return {
        "issuer": issuer,
        "authorization_endpoint": issuer + AUTHORIZE_PATH,
        "token_endpoint": issuer + TOKEN_PATH,
        "userinfo_endpoint": issuer + USERINFO_PATH,
        "jwks_uri": issuer + "/.well-known/jwks.json",
        "end_session_endpoint": issuer + LOGOUT_PATH,
        "revocation_endpoint": issuer + REVOKE_PATH,
        "introspection_endpoint": issuer + INTROSPECT_PATH,
        "scopes_supported": list(SCOPES),
        "claims_supported": list(CLAIMS_SUPPORTED),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["EdDSA"],
        "token_endpoint_auth_methods_supported": [*SECRET_METHODS, "none"],
        "revocation_endpoint_auth_methods_supported": [*SECRET_METHODS, "none"],
        "introspection_endpoint_auth_methods_supported": list(SECRET_METHODS),
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": ["none", "login", "consent"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
    }


def _authorize_request(query: str, *, settings: Settings) -> HttpRequest:
    if len(query) > MAX_QUERY:
        raise AuthorizationRefused("The authorization request is too long")
    url = settings.public_url.rstrip("/") + AUTHORIZE_PATH
    return HttpRequest("GET", f"{url}?{query}", {}, parse_qs(query, keep_blank_values=True))


def _refused(error: OAuth2Error) -> AuthorizationRefused:
    return AuthorizationRefused(f"{error.error}: {error.description or 'invalid request'}")


async def _in_thread(work: Callable[[], T]) -> T:
    return await anyio.to_thread.run_sync(work)


async def begin_authorization(
    session: AsyncSession, query: str, *, settings: Settings, storage: Storage, keyring: KeyRing
) -> str:
    """Where the browser goes next: the web client's `/authorize` screen with the same query,
    or (for a bad request from a known client and registered redirect URI) back to the
    client with the error. Unknown clients and unregistered redirect URIs are refused here."""
    request = _authorize_request(query, settings=settings)
    store = Store(session, settings=settings, storage=storage)

    def work() -> str:
        try:
            server = AuthorizationServer(store, request, settings=settings, keyring=keyring)
        except OAuth2Error as error:  # e.g. plain http on a public host
            raise _refused(error) from error
        oauth = server.request
        try:
            grant = server.get_authorization_grant(oauth)
            grant.validate_no_multiple_request_parameter(oauth)
            grant.validate_authorization_request()
        except OAuth2Error as error:
            error.state = oauth.payload.state
            if error.redirect_uri:
                return str(server.handle_error_response(oauth, error).location)
            raise _refused(error) from error
        return settings.public_url.rstrip("/") + WEB_AUTHORIZE_PATH + "?" + query

    return await _in_thread(work)


async def authorize(
    session: AsyncSession,
    principal: Principal,
    *,
    settings: Settings,
    storage: Storage,
    keyring: KeyRing,
    query: str,
    consent: bool | None,
) -> Redirect | ConsentNeeded | LoginNeeded:
    """Issue a code for the signed-in person, or ask for a fresh sign-in (`max_age`,
    `prompt=login`) or consent first (none for first-party apps or scopes already allowed).
    `consent=False` answers the client `access_denied`."""
    request = _authorize_request(query, settings=settings)
    store = Store(session, settings=settings, storage=storage)
    end_user = await store.end_user_of_session(principal)
    if end_user is None:
        raise Unauthorized("Session revoked")

    def work() -> Redirect | ConsentNeeded | LoginNeeded:
        try:
            server = AuthorizationServer(store, request, settings=settings, keyring=keyring)
            grant = server.get_consent_grant(end_user=end_user)
        except OAuth2Error as error:
            if error.redirect_uri:
                return Redirect(str(server.handle_error_response(None, error).location))
            raise _refused(error) from error
        client: Client = grant.client
        scopes = scope_to_list(server.request.scope or "") or []
        prompts = (server.request.payload.data.get("prompt") or "").split()
        if _too_old(end_user, server.request.payload.data.get("max_age"), grant.prompt):
            if "none" not in prompts:
                return LoginNeeded()
            refusal = LoginRequiredError(
                redirect_uri=grant.redirect_uri, state=server.request.payload.state
            )
            return Redirect(str(server.handle_error_response(None, refusal).location))
        if consent is False:
            store.run(partial(store.audit, "oidc.consent_denied", scopes=scopes), end_user, client)
            return _respond(server, grant, None)
        needed = store.run(consents.needed, store, end_user, client, scopes, grant.prompt)
        if needed and consent is None:
            if "none" in prompts:
                refusal = ConsentRequiredError(
                    redirect_uri=grant.redirect_uri, state=server.request.payload.state
                )
                return Redirect(str(server.handle_error_response(None, refusal).location))
            return ConsentNeeded(client.app.name, client.app.url, scopes)
        if needed:
            store.run(consents.remember, store, end_user, client, scopes)
        return _respond(server, grant, end_user)

    return await _in_thread(work)


def _too_old(end_user: EndUser, max_age: str | None, prompt: str | None) -> bool:
    limit = int(max_age) if max_age and max_age.isdigit() else None
    if prompt == "login":
        limit = min(limit if limit is not None else FRESH_LOGIN_SECONDS, FRESH_LOGIN_SECONDS)
    return limit is not None and clock.timestamp() - end_user.auth_time > limit


def _respond(server: AuthorizationServer, grant: Any, end_user: EndUser | None) -> Redirect:
    response: HttpResponse = server.create_authorization_response(grant_user=end_user, grant=grant)
    location = response.location
    if location is None:  # Authlib answers with a redirect for every validated request
        raise AuthorizationRefused("The authorization request could not be completed")
    return Redirect(location)


async def endpoint(
    session: AsyncSession,
    name: str,
    request: HttpRequest,
    client_ip: str | None,
    *,
    settings: Settings,
    storage: Storage,
    keyring: KeyRing,
    limiter: RateLimiter,
) -> HttpResponse | None:
    """One of Authlib's endpoints: `token`, `revocation`, `introspection`, `userinfo`,
    `end_session` (None: logged out with nowhere to redirect). The ones that check client
    credentials are rate limited per IP (`rate_oauth`)."""
    if client_ip and name in CREDENTIAL_ENDPOINTS:
        await limiter.hit(settings.rate_oauth, "oauth", client_ip)
    store = Store(session, settings=settings, storage=storage)

    def work() -> HttpResponse | None:
        try:
            server = AuthorizationServer(store, request, settings=settings, keyring=keyring)
        except OAuth2Error as error:  # e.g. plain http on a public host
            status, body, headers = error()
            return HttpResponse(status, body, dict(headers))
        if name == "token":
            response: HttpResponse = server.create_token_response()
            if request.fields.get("grant_type") == ["authorization_code"]:  # an app's sign-in
                metrics.sign_in("oidc", "ok" if response.status == 200 else "bad_credentials")
            return response
        result: HttpResponse | None = server.create_endpoint_response(name)
        return result

    return await _in_thread(work)
