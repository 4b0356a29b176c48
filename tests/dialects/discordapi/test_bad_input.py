"""Input the database would refuse (NUL characters, ids beyond 64 bits) is a 4xx in
DiscordApi's own error style on both databases, never a 500."""

from __future__ import annotations

import httpx
import pytest

from tests.support.accounts import PASSWORD, Account

HUGE = 2**70


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("get", "/users/user/", {"params": {"username": "a\x00b"}}),
        ("post", "/private/start-chat/", {"json": {"recipient_id": HUGE}}),
        ("get", f"/private/{HUGE}/messages", {"params": {"limit": 1, "offset": 0}}),
        ("get", f"/private/{HUGE}/info/", {}),
        ("post", f"/private/add-message/{HUGE}/", {"json": {"text": "x"}}),
        ("get", "/auth/qr_auth/", {"params": {"client_id": "a\x00"}, "headers": {"X": "y"}}),
    ],
)
async def test_refused_values_are_422(
    client: httpx.AsyncClient,
    alice: Account,
    method: str,
    path: str,
    kwargs: dict[str, object],
) -> None:
    headers = {**alice.headers, **dict(kwargs.pop("headers", {}) or {})}  # type: ignore[call-overload]
    response = await client.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 422, response.text
    assert isinstance(response.json()["detail"], list)


async def test_nul_in_login_and_register_fields(client: httpx.AsyncClient, alice: Account) -> None:
    fingerprint = await client.post(
        "/auth/login/",
        json={"email": alice.email, "password": PASSWORD, "client_fingerprint": "pc\x00"},
    )
    assert fingerprint.status_code == 422
    email = await client.post(
        "/auth/login/",
        json={"email": f"{alice.email}\x00", "password": PASSWORD, "client_fingerprint": "pc"},
    )
    assert email.status_code == 404
    register = await client.post(
        "/auth/register/",
        json={
            "username": "nul_user",
            "email": "nul@example.com",
            "password": PASSWORD,
            "status": "a\x00b",
        },
        headers={"Accept-Language": "en-US"},
    )
    assert register.status_code == 422


async def test_a_huge_answer_id_is_422(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    started = await client.post(
        "/private/start-chat/", json={"recipient_id": bob.id}, headers=alice.headers
    )
    response = await client.post(
        f"/private/add-message/{started.json()['chat_id']}/",
        json={"text": "x", "answer": HUGE},
        headers=alice.headers,
    )
    assert response.status_code == 422
