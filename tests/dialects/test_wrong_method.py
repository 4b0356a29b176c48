"""A wrong HTTP method on a dialect path is answered in that dialect's error style, with Allow."""

from __future__ import annotations

import httpx
import pytest


@pytest.mark.parametrize(
    ("method", "path", "allow", "shape"),
    [
        ("DELETE", "/private/chat-list/", "GET", {"detail"}),  # DiscordApi
        ("GET", "/api/v0/roles", "POST", {"error"}),  # Goncord
        ("DELETE", "/account/profile", "GET", {"error", "message"}),  # Schedule
        ("PATCH", "/api/v1/me", "GET", {"error"}),  # Whisper
    ],
)
async def test_wrong_method_answers_in_the_dialect_style(
    client: httpx.AsyncClient, method: str, path: str, allow: str, shape: set[str]
) -> None:
    response = await client.request(method, path)
    assert response.status_code == 405, response.text
    assert allow in response.headers["allow"]
    assert set(response.json()) == shape


async def test_wrong_method_on_a_native_path_keeps_the_native_shape(
    client: httpx.AsyncClient,
) -> None:
    response = await client.request("PUT", "/v1/health")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
