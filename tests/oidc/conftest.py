"""A real `parley serve` whose public URL is its own address (the issuer), and apps
registered as OpenID Connect clients through the real services."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.deprecate import AuthlibDeprecationWarning
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from parley.access import service as access
from parley.kit.secrets import new_token
from parley.oidc import clients
from parley.runtime import Runtime
from parley.settings import Settings
from tests.support.accounts import Account, new_account, unique_name
from tests.support.servers import ServerProcess, free_port, start_server

SCOPE = "openid profile email roles payload"

with warnings.catch_warnings():  # Authlib's httpx client announces a move to httpx2 on import
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client


@dataclass
class Provider:
    server: ServerProcess
    http: httpx.AsyncClient
    metadata: dict[str, Any]

    @property
    def issuer(self) -> str:
        return self.server.url


@dataclass
class RegisteredApp:
    app_id: int
    url: str
    name: str
    client_id: str
    client_secret: str | None
    redirect_uri: str
    logout_uri: str


@pytest.fixture(scope="module")
async def provider(
    make_settings: Callable[..., Settings], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Provider]:
    """One server per test module (starting one costs seconds of scarce CPU)."""
    port = free_port()
    settings = make_settings(public_url=f"http://127.0.0.1:{port}")
    server = start_server(settings, str(tmp_path_factory.mktemp("oidc")), port=port)
    try:
        async with httpx.AsyncClient(base_url=server.url) as http:
            metadata = (await http.get("/.well-known/openid-configuration")).json()
            yield Provider(server, http, metadata)
    finally:
        server.stop()


@pytest.fixture
def register_app(runtime: Runtime) -> Callable[..., Any]:
    async def register(
        *,
        public: bool = False,
        first_party: bool = False,
        redirect_uri: str | None = None,
        logout_uri: str | None = None,
    ) -> RegisteredApp:
        name = unique_name("rp")
        url = f"https://{name}.example.com"
        redirect_uri = redirect_uri or f"http://127.0.0.1:9/{name}/callback"
        logout_uri = logout_uri or f"http://127.0.0.1:9/{name}/signed-out"
        async with runtime.db.unit_of_work() as session:
            created = await access.create_app(session, url=url, name=name.upper())
            registered = await clients.register_client(
                session,
                created.app,
                redirect_uris=[redirect_uri],
                post_logout_redirect_uris=[logout_uri],
                public=public,
                first_party=first_party,
            )
        return RegisteredApp(
            created.app.id,
            url,
            name.upper(),
            registered.client.client_id,
            registered.secret,
            redirect_uri,
            logout_uri,
        )

    return register


@pytest.fixture
async def person(provider: Provider) -> Account:
    return await new_account(provider.http, "person")


def relying_party(provider: Provider, app: RegisteredApp, **kwargs: Any) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=app.client_id,
        client_secret=app.client_secret,
        scope=kwargs.pop("scope", SCOPE),
        redirect_uri=app.redirect_uri,
        token_endpoint_auth_method="none" if app.client_secret is None else "client_secret_basic",
        code_challenge_method=kwargs.pop("code_challenge_method", "S256"),
        **kwargs,
    )


async def browser_authorize(
    provider: Provider, authorization_url: str, account: Account, *, consent: bool | None = True
) -> httpx.Response:
    """What the web client does: follow `/oauth/authorize` to `/authorize?…`, then call
    `POST /v1/oauth/authorize` with the person's bearer (and Allow on the consent screen)."""
    first = await provider.http.get(authorization_url)
    assert first.status_code == 302, first.text
    screen = urlsplit(first.headers["location"])
    assert screen.path == "/authorize", first.headers["location"]
    answer = await provider.http.post(
        "/v1/oauth/authorize", json={"query": screen.query}, headers=account.headers
    )
    if answer.status_code == 200 and answer.json().get("consent_required") and consent is not None:
        answer = await provider.http.post(
            "/v1/oauth/authorize",
            json={"query": screen.query, "consent": consent},
            headers=account.headers,
        )
    return answer


def callback_params(redirect_to: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(redirect_to).query).items()}


async def sign_in(
    provider: Provider, app: RegisteredApp, account: Account, **kwargs: Any
) -> tuple[AsyncOAuth2Client, dict[str, Any], str]:
    """The whole code + PKCE flow; returns the RP client, its token and the nonce."""
    rp = relying_party(provider, app, **kwargs)
    nonce = new_token(12)
    verifier = new_token(48)
    url, state = rp.create_authorization_url(
        provider.metadata["authorization_endpoint"], nonce=nonce, code_verifier=verifier
    )
    answer = await browser_authorize(provider, url, account)
    assert answer.status_code == 200, answer.text
    redirect_to = answer.json()["redirect_to"]
    assert callback_params(redirect_to)["state"] == state
    token = await rp.fetch_token(
        provider.metadata["token_endpoint"],
        authorization_response=redirect_to,
        code_verifier=verifier,
    )
    return rp, dict(token), nonce


async def validated_id_token(
    provider: Provider, app: RegisteredApp, token: dict[str, Any], nonce: str
) -> CodeIDToken:
    """The id_token checks a relying party makes: signature by the JWKS, iss, aud, exp,
    iat, nonce (Authlib's CodeIDToken rules)."""
    jwks = (await provider.http.get(provider.metadata["jwks_uri"])).json()
    decoded = jwt.decode(
        token["id_token"],
        KeySet.import_key_set(jwks),
        registry=JWSRegistry(algorithms=provider.metadata["id_token_signing_alg_values_supported"]),
    )
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        {"iss": {"essential": True, "values": [provider.issuer]}},
        {"nonce": nonce, "client_id": app.client_id, "access_token": token["access_token"]},
    )
    claims.validate(leeway=5)
    assert claims["aud"] == app.client_id
    return claims
