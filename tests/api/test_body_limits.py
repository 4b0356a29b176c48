"""Body size limits in each surface's error style (#13 item 7)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from tests.support.accounts import Account

MIB = 1024 * 1024


async def test_a_json_body_over_the_limit_is_413_natively(client: httpx.AsyncClient) -> None:
    body = b'{"login": "' + b"a" * (MIB + 10) + b'", "password": "x"}'
    response = await client.post(
        "/v1/auth/login", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"


async def test_a_chunked_body_is_cut_off_at_the_limit(client: httpx.AsyncClient) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(64):
            sent += 64 * 1024
            yield b" " * (64 * 1024)

    response = await client.post(
        "/v1/auth/login", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert "Content-Length" not in response.request.headers


async def test_dialects_answer_413_in_their_style(client: httpx.AsyncClient) -> None:
    big = b"{" + b" " * (MIB + 1) + b"}"
    headers = {"Content-Type": "application/json"}
    discord = await client.post("/auth/login/", content=big, headers=headers)
    assert discord.status_code == 413
    assert isinstance(discord.json()["detail"], str)
    whisper = await client.post("/api/v1/auth/login", content=big, headers=headers)
    assert whisper.status_code == 413
    assert set(whisper.json()) == {"error"}
    goncord = await client.post("/api/v0/tokens", content=big, headers=headers)
    assert goncord.status_code == 413
    assert set(goncord.json()) == {"error"}


async def test_uploads_get_the_larger_limit_and_still_stop_at_it(
    client: httpx.AsyncClient, alice: Account
) -> None:
    two_mib = {"file": ("a.png", b"\x00" * (2 * MIB), "image/png")}
    over_json_limit = await client.put("/v1/users/me/avatar", files=two_mib, headers=alice.headers)
    assert over_json_limit.status_code == 400, over_json_limit.text  # read, then not an image
    huge = {"file": ("a.png", b"\x00" * (7 * MIB), "image/png")}
    refused = await client.put("/v1/users/me/avatar", files=huge, headers=alice.headers)
    assert refused.status_code == 413
    discord = await client.patch(
        "/users/upload-avatar/",
        files={"avatar_file": ("a.png", b"\x00" * (7 * MIB), "image/png")},
        headers=alice.headers,
    )
    assert discord.status_code == 413
    assert isinstance(discord.json()["detail"], str)


async def test_an_upload_without_its_field_is_422(
    client: httpx.AsyncClient, alice: Account
) -> None:
    response = await client.put(
        "/v1/users/me/avatar", files={"other": ("a", b"x")}, headers=alice.headers
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
