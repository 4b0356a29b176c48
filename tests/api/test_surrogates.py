"""Lone surrogates (`"\\ud800"`): valid JSON, invalid text. Every surface answers 4xx in its
own error style, echoes nothing it cannot encode and stores nothing (#13 item 12)."""

from __future__ import annotations

import httpx
import orjson
import pytest
from fastapi.exceptions import RequestValidationError

from parley.dialects.discordapi.errors import render as discordapi_render
from tests.support.accounts import PASSWORD, Account, unique_name

LONE = "\\ud800"  # as it travels in JSON: an escape for half of a surrogate pair


async def post_raw(
    client: httpx.AsyncClient, method: str, path: str, body: str, headers: dict[str, str]
) -> httpx.Response:
    return await client.request(
        method,
        path,
        content=body.encode(),
        headers={**headers, "Content-Type": "application/json"},
    )


@pytest.mark.parametrize(
    "body",
    [
        f'{{"contacts": {{"tg": "a{LONE}"}}}}',
        f'{{"contacts": {{"k{LONE}": "x"}}}}',
        f'{{"bio": "{LONE}"}}',
    ],
)
async def test_native_profile_update_refuses_and_stores_nothing(
    client: httpx.AsyncClient, alice: Account, body: str
) -> None:
    before = (await client.get("/v1/users/me", headers=alice.headers)).json()
    response = await post_raw(client, "PATCH", "/v1/users/me", body, alice.headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_error"
    assert (await client.get("/v1/users/me", headers=alice.headers)).json() == before


async def test_a_valid_surrogate_pair_is_an_ordinary_character(
    client: httpx.AsyncClient, alice: Account
) -> None:
    body = '{"bio": "\\ud83d\\ude00"}'
    response = await post_raw(client, "PATCH", "/v1/users/me", body, alice.headers)
    assert response.status_code == 200, response.text
    assert response.json()["bio"] == "\U0001f600"


async def test_native_registration_refuses(client: httpx.AsyncClient) -> None:
    name = unique_name("s")
    body = f'{{"username": "{name}", "email": "{name}@example.com", "password": "p{LONE}ssword1"}}'
    response = await post_raw(client, "POST", "/v1/auth/register", body, {})
    assert response.status_code == 422, response.text
    login = await client.post("/v1/auth/login", json={"login": name, "password": PASSWORD})
    assert login.status_code == 401


async def test_discordapi_login_and_add_message_refuse_in_their_style(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    login = await post_raw(
        client,
        "POST",
        "/auth/login/",
        f'{{"email": "{alice.email}{LONE}", "password": "x", "client_fingerprint": "pc"}}',
        {},
    )
    assert login.status_code == 422, login.text
    assert isinstance(login.json()["detail"], list)
    started = await client.post(
        "/private/start-chat/", json={"recipient_id": bob.id}, headers=alice.headers
    )
    chat_id = started.json()["chat_id"]
    add = await post_raw(
        client, "POST", f"/private/add-message/{chat_id}/", f'{{"text": "{LONE}"}}', alice.headers
    )
    assert add.status_code == 422, add.text
    assert isinstance(add.json()["detail"], list)
    messages = await client.get(
        f"/private/{chat_id}/messages", params={"limit": 10, "offset": 0}, headers=alice.headers
    )
    assert messages.status_code == 200
    assert messages.json() == []


async def test_whisper_and_goncord_refuse_in_their_style(client: httpx.AsyncClient) -> None:
    whisper = await post_raw(
        client, "POST", "/api/v1/auth/login", f'{{"user": "w{LONE}", "password": "x"}}', {}
    )
    assert whisper.status_code == 400, whisper.text
    assert set(whisper.json()) == {"error"}
    goncord = await post_raw(
        client, "POST", "/api/v0/tokens", f'{{"login": "g{LONE}", "password": "x"}}', {}
    )
    assert goncord.status_code == 400, goncord.text
    assert set(goncord.json()) == {"error"}


def test_the_discordapi_renderer_never_echoes_unencodable_input() -> None:
    """Defence in depth: should a lone surrogate reach validation, the echo is still sent."""
    error = RequestValidationError(
        [{"type": "string_too_long", "loc": ("body", "k\ud800"), "msg": "m", "input": "\ud800"}]
    )
    response = discordapi_render(error)
    assert response.status_code == 422
    assert orjson.loads(response.body)["detail"][0]["input"] == "?"
