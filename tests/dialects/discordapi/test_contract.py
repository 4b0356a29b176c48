"""DiscordApi seed (000): contract tests with the seed's own examples."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from parley.settings import Settings
from tests.conftest import asgi_client, running_app
from tests.support.accounts import PASSWORD, Account, unique_name
from tests.support.geoip import write_country_db


@pytest.fixture(scope="module")
async def geo_app(
    make_settings: Callable[..., Settings], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[FastAPI]:
    db = write_country_db(Path(tmp_path_factory.mktemp("geo")) / "country.mmdb")
    async for app in running_app(
        make_settings(geoip_db=db, trusted_proxies="127.0.0.1,10.0.0.0/8")
    ):
        yield app


@pytest.fixture
async def geo_client(geo_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client that calls directly, from 203.0.113.7 (FR): its X-Forwarded-For is ignored."""
    async with asgi_client(geo_app) as client:
        yield client


@pytest.fixture
async def proxied_client(geo_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Calls through the trusted proxy at 127.0.0.1."""
    transport = httpx.ASGITransport(app=geo_app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def registered(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    body = register_body()
    assert (await client.post("/auth/register/", json=body, headers=headers)).status_code == 200
    login = await client.post("/v1/auth/login", json={"login": body["email"], "password": PASSWORD})
    me = await client.get("/v1/users/me", headers={"Authorization": login.json()["access_token"]})
    user: dict[str, Any] = me.json()
    return user


def register_body(name: str | None = None) -> dict[str, str]:
    name = name or unique_name("d")
    return {
        "username": name,
        "email": f"{name}@example.com",
        "description": "just me",
        "status": "online",
        "password": PASSWORD,
    }


@pytest.mark.parametrize("path", ["/auth/register/", "/auth/register"])
async def test_register_with_both_slash_forms(geo_client: httpx.AsyncClient, path: str) -> None:
    response = await geo_client.post(
        path, json=register_body(), headers={"X-Forwarded-For": "198.51.100.20"}
    )
    assert response.status_code == 200
    assert response.json() == {"detail": "success"}


async def test_register_country_from_geoip_then_accept_language(
    proxied_client: httpx.AsyncClient,
) -> None:
    # The proxy chain is walked from the nearest hop: 10.0.0.1 is trusted, 198.51.100.20 (DE)
    # is the client.
    headers = {"X-Forwarded-For": "198.51.100.20, 10.0.0.1", "Accept-Language": "ru-RU"}
    me = await registered(proxied_client, headers)
    assert (me["country"], me["bio"], me["status"]) == ("DE", "just me", "online")
    headers = {"X-Forwarded-For": "192.0.2.1", "Accept-Language": "ru-RU,ru;q=0.9"}
    assert (await registered(proxied_client, headers))["country"] == "RU"  # not in the db


async def test_a_direct_callers_forwarded_for_is_not_believed(
    geo_client: httpx.AsyncClient,
) -> None:
    headers = {"X-Forwarded-For": "198.51.100.20", "Accept-Language": "ru-RU"}
    assert (await registered(geo_client, headers))["country"] == "FR"  # its own 203.0.113.7


async def test_register_without_any_country_hint_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/auth/register/", json=register_body())
    assert response.status_code == 400
    assert "country" in response.json()["detail"]


async def test_register_duplicate_and_bad_input(client: httpx.AsyncClient) -> None:
    body = register_body()
    headers = {"Accept-Language": "en-US"}
    assert (await client.post("/auth/register/", json=body, headers=headers)).status_code == 200
    again = await client.post("/auth/register/", json=body, headers=headers)
    assert again.status_code == 400
    assert again.json() == {"detail": "User already exist."}  # the original's message
    same_email = await client.post(
        "/auth/register/", json={**register_body(), "email": body["email"]}, headers=headers
    )
    assert same_email.json() == {"detail": "User already exist."}
    # the original's field limits: FastAPI's own 422 body
    for field, value in (
        ("email", "nope"),
        ("username", "x" * 21),
        ("username", "abc"),
        ("status", "s" * 31),
        ("description", "d" * 191),
    ):
        bad = await client.post(
            "/auth/register/", json={**register_body(), field: value}, headers=headers
        )
        assert bad.status_code == 422, (field, bad.text)
        detail = bad.json()["detail"]
        assert detail[0]["loc"] == ["body", field]
        assert {"type", "msg", "input"} <= set(detail[0])
    missing = await client.post("/auth/register/", json={"username": "x"}, headers=headers)
    assert missing.status_code == 422
    assert isinstance(missing.json()["detail"], list)


async def test_gateway_token_check(client: httpx.AsyncClient, alice: Account) -> None:
    ok = await client.get("/gateway/get-token/", headers={"Authorization": alice.access_token})
    assert ok.status_code == 200
    assert ok.headers["x-user-id"] == str(alice.id)
    assert (await client.get("/gateway/get-token")).status_code == 403
    bad = await client.get("/gateway/get-token/", headers={"Authorization": "Bearer junk"})
    assert bad.status_code == 403
    assert bad.json() == {"detail": "Invalid token"}
    await client.post("/v1/auth/logout", headers=alice.headers)
    revoked = await client.get("/gateway/get-token/", headers=alice.headers)
    assert revoked.status_code == 403


async def test_sessions_record_the_country_of_the_client_address(
    geo_client: httpx.AsyncClient,
) -> None:
    body = register_body()
    await geo_client.post("/auth/register/", json=body, headers={"Accept-Language": "en-US"})
    login = await geo_client.post(
        "/v1/auth/login", json={"login": body["email"], "password": PASSWORD}
    )
    headers = {"Authorization": login.json()["access_token"]}
    sessions = (await geo_client.get("/v1/sessions", headers=headers)).json()
    assert [s["country"] for s in sessions] == ["FR"]  # the test client's 203.0.113.7
