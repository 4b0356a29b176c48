"""NUL characters, which PostgreSQL cannot store or compare as text: 4xx, never 500."""

from __future__ import annotations

import httpx
import pytest

from parley.runtime import Runtime
from tests.conftest import ON_POSTGRES
from tests.support.access import new_app, with_app
from tests.support.accounts import PASSWORD, Account, unique_name


@pytest.mark.parametrize(
    "payload",
    [{"a": "x\x00y"}, {"key\x00": 1}, {"deep": [{"b": ["\x00"]}]}],
)
async def test_payloads_with_nul_characters_are_refused(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account, payload: dict[str, object]
) -> None:
    app = await new_app(runtime)
    headers = with_app(alice.headers, app)
    response = await client.put("/v1/apps/current/payload", json=payload, headers=headers)
    assert response.status_code == 400
    assert "NUL" in response.json()["error"]["message"]
    text = {"a": "\\u0000"}  # a backslash and "u0000" as plain text are fine
    ok = await client.put("/v1/apps/current/payload", json=text, headers=headers)
    assert ok.status_code == 200
    assert ok.json() == text


async def test_an_app_url_with_a_nul_is_an_unknown_url(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account
) -> None:
    known = await new_app(runtime)
    super_app = await new_app(runtime, is_super=True)
    response = await client.patch(
        f"/v1/users/{alice.id}/apps",
        json={"https://x\x00.example.com": {"a": 1}, known.url: {"b": 2}},
        headers=super_app.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {known.url: {"b": 2}}


async def test_a_login_with_a_nul_is_a_wrong_login(
    client: httpx.AsyncClient, alice: Account
) -> None:
    response = await client.post(
        "/v1/auth/login", json={"login": f"{alice.username}\x00", "password": PASSWORD}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


async def test_an_app_created_with_a_nul_in_its_url_is_refused(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    super_app = await new_app(runtime, is_super=True)
    response = await client.post(
        "/v1/apps",
        json={"url": "https://x\x00.example.com", "name": "nul"},
        headers=super_app.headers,
    )
    assert response.status_code == 400


async def test_a_value_the_database_refuses_is_400_not_500(client: httpx.AsyncClient) -> None:
    name = unique_name()
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    response = await client.post("/v1/auth/register", json={**body, "display_name": "a\x00b"})
    # SQLite stores NUL characters; PostgreSQL refuses them and the safety net answers 400.
    assert response.status_code == (400 if ON_POSTGRES else 201)
    if ON_POSTGRES:
        assert response.json()["error"]["code"] == "invalid_value"
