"""OAuth over plain http is refused unless the public URL is https or a loopback address
(this app's public URL is http://testserver)."""

from __future__ import annotations

import httpx


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
