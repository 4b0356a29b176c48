"""Issue 13, items 7, 12 and 13: body limits before reading, lone surrogates, security
headers, no-store on secrets, the ops endpoints behind settings, owner-only files."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import httpx

from parley.settings import Settings
from tests.conftest import asgi_client, running_app
from tests.support.accounts import PASSWORD, Account
from tests.support.mail import last_mail

LONE = '"\\ud800"'
CONTENT_SECURITY_POLICY = (  # the brief's, exactly
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


async def test_an_oversized_body_is_413_before_it_is_read(
    client: httpx.AsyncClient, alice: Account
) -> None:
    big = b'{"login": "' + b"x" * (2 * 1024 * 1024) + b'", "password": "x"}'
    for path in ("/v1/auth/login", "/auth/login/", "/api/v1/auth/login"):
        response = await client.post(
            path, content=big, headers={"content-type": "application/json"}
        )
        assert response.status_code == 413, (path, response.text)
    upload = await client.put(
        "/v1/users/me/avatar",
        files={"file": ("a.png", b"x" * (6 * 1024 * 1024), "image/png")},
        headers=alice.headers,
    )
    assert upload.status_code == 413


async def test_an_upload_without_a_valid_token_is_401_before_it_is_read(
    client: httpx.AsyncClient,
) -> None:
    files = {"file": ("a.png", b"x" * (1024 * 1024), "image/png")}
    for headers in ({}, {"Authorization": "Bearer forged"}):
        response = await client.put("/v1/users/me/avatar", files=files, headers=headers)
        assert response.status_code == 401


async def test_lone_surrogates_are_400_on_every_surface_and_stored_nowhere(
    client: httpx.AsyncClient, alice: Account
) -> None:
    json = {"content-type": "application/json"}
    bodies = {
        "/auth/login/": '{"email": ' + LONE + ', "password": "x", "client_fingerprint": "f"}',
        "/v1/auth/login": '{"login": ' + LONE + ', "password": "x"}',
    }
    for path, body in bodies.items():
        response = await client.post(path, content=body, headers=json)
        assert response.status_code == 400, (path, response.text)
    for contacts in ('{"tg": ' + LONE + "}", "{" + LONE + ': "x"}'):
        patched = await client.patch(
            "/v1/users/me",
            content='{"contacts": ' + contacts + "}",
            headers={**json, **alice.headers},
        )
        assert patched.status_code == 400, patched.text
    me = await client.get("/v1/users/me/profile", headers=alice.headers)
    assert me.json()["contacts"] == {}
    emoji = await client.patch(
        "/v1/users/me", content='{"bio": "\\ud83d\\ude00"}', headers={**json, **alice.headers}
    )
    assert emoji.status_code == 200
    assert emoji.json()["bio"] == "\U0001f600"


async def test_every_response_has_the_security_headers(client: httpx.AsyncClient) -> None:
    for path in ("/v1/health/live", "/nope", "/.well-known/jwks.json"):
        response = await client.get(path)
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-frame-options"] == "DENY"


async def test_answers_with_tokens_are_not_stored(
    client: httpx.AsyncClient, alice: Account
) -> None:
    login = await client.post(
        "/v1/auth/login", json={"login": alice.username, "password": PASSWORD}
    )
    assert login.headers["cache-control"] == "no-store"
    whisper = await client.post(
        "/api/v1/auth/login", json={"user": alice.username, "password": PASSWORD}
    )
    assert whisper.headers["cache-control"] == "no-store"


async def test_metrics_and_docs_can_be_closed_by_settings(
    make_settings: Callable[..., Settings],
) -> None:
    async for app in running_app(make_settings(metrics_allow="none", docs_enabled=False)):
        async with asgi_client(app) as c:
            assert (await c.get("/metrics")).status_code == 404
            for path in ("/docs", "/openapi.json", "/redoc"):
                assert (await c.get(path)).status_code == 404
    async for app in running_app(make_settings(metrics_allow="203.0.113.7")):
        async with asgi_client(app) as c:
            assert (await c.get("/metrics")).status_code == 200


async def test_the_data_directory_and_mail_outbox_are_owner_only(
    client: httpx.AsyncClient, alice: Account, data_dir: Path
) -> None:
    assert (await client.post("/v1/auth/password-reset", json={"email": alice.email})).status_code
    await last_mail(data_dir, alice.email, "reset")
    assert modes(data_dir) == (0o700, 0o700, {0o600})


def modes(data_dir: Path) -> tuple[int, int, set[int]]:
    outbox = data_dir / "outbox"
    mails = {stat.S_IMODE(mail.stat().st_mode) for mail in outbox.glob("*.eml")}
    return stat.S_IMODE(data_dir.stat().st_mode), stat.S_IMODE(outbox.stat().st_mode), mails
