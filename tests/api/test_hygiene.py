"""Security headers, no-store on credentials, owner-only files, /metrics and /docs settings
(#13 item 13)."""

from __future__ import annotations

import stat
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import anyio
import httpx
import pytest
from fastapi import FastAPI

from parley import migrate
from parley.kit.headers import CSP
from parley.settings import Settings
from tests.conftest import running_app
from tests.support.accounts import PASSWORD, Account, unique_name

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "content-security-policy": CSP,
}


def assert_hardened(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.url, name)


async def test_every_response_carries_the_security_headers(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/v1/health"),
        await client.get("/v1/users/me"),  # 401
        await client.get("/no-such-page"),  # 404
        await client.post("/v1/auth/login", json={}),  # 422
        await client.get("/api/v1/users/me"),  # a dialect's 401
    ):
        assert_hardened(response)
        assert response.headers["cache-control"] == "no-store"


async def test_token_responses_are_never_cached_on_any_surface(
    client: httpx.AsyncClient, alice: Account
) -> None:
    refreshed = await client.post("/v1/auth/refresh", json={"refresh_token": alice.refresh_token})
    native = await client.post(
        "/v1/auth/login", json={"login": alice.username, "password": PASSWORD}
    )
    name = unique_name("w")
    whisper = await client.post(
        "/api/v1/auth/register",
        json={
            "name": name,
            "user": name,
            "password": PASSWORD,
            "email": f"{name}@example.com",
            "pin": "482915",
            "public_key": "AAAA",
            "encrypted_private_key": "AAAA",
        },
    )
    goncord = await client.post(
        "/api/v0/tokens", json={"login": alice.username, "password": PASSWORD}
    )
    for response in (refreshed, native, whisper, goncord):
        assert response.headers["cache-control"] == "no-store", response.url
        assert_hardened(response)


async def test_a_route_may_send_its_own_cache_policy(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    """Media keep their own caching; the rest of the headers still apply."""
    key = f"avatars/{unique_name('m')}/a.png"
    await app.state.runtime.storage.put(key, b"png", "image/png")
    media = await client.get(f"/media/{key}")
    assert media.status_code == 200
    assert "no-store" not in media.headers["cache-control"]
    assert_hardened(media)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_database_outbox_and_media_are_owner_only(
    make_settings: Callable[..., Settings], tmp_path: Path, alice: Account
) -> None:
    data = tmp_path / "data"
    settings = make_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/db/parley.db", data_dir=data
    )
    await anyio.to_thread.run_sync(migrate.upgrade, settings.database_url)
    assert mode(tmp_path / "db") == 0o700
    assert mode(tmp_path / "db" / "parley.db") == 0o600
    async for app in running_app(settings):
        rt = app.state.runtime
        await rt.storage.put("avatars/1/a.png", b"png", "image/png")
        message = EmailMessage()
        message["To"] = "a@example.com"
        message["Subject"] = "code"
        await rt.mailer.deliver(message)
    assert mode(data) == 0o700
    for path in data.rglob("*"):
        assert mode(path) == (0o700 if path.is_dir() else 0o600), path
    assert list((data / "outbox").glob("*.eml")) or list(data.rglob("*.eml"))
    assert (data / "media" / "avatars" / "1" / "a.png").read_bytes() == b"png"


async def get(app: FastAPI, path: str, client_ip: str, **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=(client_ip, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        return await c.get(path, headers=headers)


async def test_metrics_answer_only_allowed_networks(app: FastAPI) -> None:
    allowed = await get(app, "/metrics", "10.1.2.3")
    assert "parley_http_requests_total" in allowed.text
    assert (await get(app, "/metrics", "127.0.0.1")).status_code == 200
    refused = await get(app, "/metrics", "203.0.113.7")
    assert refused.status_code == 404
    assert "parley_http" not in refused.text
    # Behind the proxy the client address decides, not the proxy's.
    proxied = await get(app, "/metrics", "127.0.0.1", **{"X-Forwarded-For": "203.0.113.7"})
    assert proxied.status_code == 404


@pytest.mark.parametrize("path", ["/metrics", "/docs", "/redoc", "/openapi.json"])
async def test_metrics_and_docs_can_be_turned_off(
    make_settings: Callable[..., Settings], path: str
) -> None:
    async for app in running_app(make_settings(metrics_enabled=False, docs_enabled=False)):
        response = await get(app, path, "127.0.0.1")
        assert response.status_code == 404
        assert_hardened(response)


async def test_the_reset_page_runs_only_its_own_inline_script(client: httpx.AsyncClient) -> None:
    page = await client.get("/v1/auth/password-reset", params={"token": "abc"})
    policy = page.headers["content-security-policy"]
    nonce = policy.split("'nonce-", 1)[1].split("'", 1)[0]
    assert f"<script nonce={nonce}>" in page.text
    assert policy == CSP.replace("script-src 'self'", f"script-src 'self' 'nonce-{nonce}'")
    again = await client.get("/v1/auth/password-reset", params={"token": "abc"})
    assert again.headers["content-security-policy"] != policy
