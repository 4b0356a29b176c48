"""OAuth over plain http is refused unless the public URL is https or a loopback address
(this app's public URL is http://testserver)."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from parley.settings import Settings
from tests.conftest import asgi_client, running_app
from tests.support.accounts import unique_name


async def test_the_token_endpoint_refuses_plain_http_on_a_public_host(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/oauth/token", "/oauth/revoke", "/oauth/introspect", "/oauth/userinfo"):
        answer = await client.post(path, data={"grant_type": "authorization_code"})
        assert answer.status_code == 400, path
        assert answer.json()["error"] == "insecure_transport"


async def test_the_authorize_step_refuses_plain_http_on_a_public_host(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.get("/oauth/authorize?response_type=code&client_id=x")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_authorization_request"


async def test_discovery_names_the_public_url_as_issuer(client: httpx.AsyncClient) -> None:
    meta = (await client.get("/.well-known/openid-configuration")).json()
    assert meta["issuer"] == "http://testserver"
    assert meta["jwks_uri"] == "http://testserver/.well-known/jwks.json"


async def test_the_credential_endpoints_are_rate_limited_per_address(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(
        rate_limits_enabled=True, rate_oauth="2/minute", redis_prefix=f"rl-{unique_name()}"
    )
    async for app in running_app(settings):
        async with asgi_client(app) as client:
            statuses = [
                (await client.post(path, data={"token": "x"})).status_code
                for path in ("/oauth/token", "/oauth/introspect", "/oauth/revoke")
            ]
            assert statuses == [400, 400, 429]


async def test_browser_apps_may_call_the_provider_endpoints_from_their_origin(
    client: httpx.AsyncClient,
) -> None:
    origin = {"Origin": "https://spa.example"}
    preflight = await client.options(
        "/oauth/token",
        headers={**origin, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    discovery = await client.get("/.well-known/openid-configuration", headers=origin)
    assert discovery.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in discovery.headers
    # the rest of the API is not opened to other origins
    me = await client.get("/v1/users/me", headers=origin)
    assert "access-control-allow-origin" not in me.headers
