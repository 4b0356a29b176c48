"""CORS for browsers on other origins (`PARLEY_CORS_ORIGINS`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from parley.settings import Settings
from tests.conftest import asgi_client, running_app
from tests.support.accounts import Account

ALLOWED = "https://chat.example.com"
PREFLIGHT = {
    "access-control-request-method": "POST",
    "access-control-request-headers": "authorization,content-type",
}


@pytest.fixture(scope="module")
async def cors_client(make_settings: Callable[..., Settings]) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(cors_origins=f"{ALLOWED}, https://other.example.com")
    async for app in running_app(settings):
        async with asgi_client(app) as client:
            yield client


async def test_a_preflight_from_an_allowed_origin_gets_the_cors_headers(
    cors_client: httpx.AsyncClient,
) -> None:
    answer = await cors_client.options("/v1/auth/login", headers={"origin": ALLOWED, **PREFLIGHT})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in answer.headers["access-control-allow-methods"]
    assert "authorization" in answer.headers["access-control-allow-headers"].lower()


async def test_a_preflight_from_another_origin_gets_none(cors_client: httpx.AsyncClient) -> None:
    answer = await cors_client.options(
        "/v1/auth/login", headers={"origin": "https://evil.example.net", **PREFLIGHT}
    )
    assert answer.status_code == 400
    assert "access-control-allow-origin" not in answer.headers


async def test_a_call_from_an_allowed_origin_may_read_the_answer(
    cors_client: httpx.AsyncClient, alice: Account
) -> None:
    me = await cors_client.get("/v1/users/me", headers={"origin": ALLOWED, **alice.headers})
    assert me.status_code == 200
    assert me.headers["access-control-allow-origin"] == ALLOWED
    assert "x-request-id" in me.headers["access-control-expose-headers"]
    other = await cors_client.get(
        "/v1/users/me", headers={"origin": "https://evil.example.net", **alice.headers}
    )
    assert "access-control-allow-origin" not in other.headers


async def test_without_the_setting_no_origin_gets_cors_headers(client: httpx.AsyncClient) -> None:
    answer = await client.options("/v1/auth/login", headers={"origin": ALLOWED, **PREFLIGHT})
    assert "access-control-allow-origin" not in answer.headers
    simple = await client.get("/v1/health", headers={"origin": ALLOWED})
    assert "access-control-allow-origin" not in simple.headers
