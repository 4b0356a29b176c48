"""VK ID: `oauth2/public_info`; VK answers 200 with an `error` field on failure."""

from __future__ import annotations

import httpx

from parley.runtime import Runtime
from tests.providers.conftest import audit_count
from tests.support.fake_providers import FAIL, GARBAGE, SLOW, FakeProviders


async def sign_in(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/v1/auth/providers/vk/sign-in", json={"token": token})


async def test_vk_sign_in_creates_a_user_without_the_masked_email(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    token, user = fakes.vk.user()
    response = await sign_in(pclient, token)
    assert response.status_code == 200, response.text
    me = response.json()["user"]
    assert me["display_name"] == "Елисей В."  # noqa: RUF001
    assert me["first_name"] == "Елисей"
    assert me["username"].startswith("Елисей_В")  # noqa: RUF001
    assert me["email"] is None
    again = await sign_in(pclient, token)
    assert again.json()["user"]["id"] == me["id"]
    headers = {"Authorization": f"Bearer {again.json()['access_token']}"}
    [identity] = (await pclient.get("/v1/auth/providers/identities", headers=headers)).json()
    assert identity["external_id"] == user["user_id"]
    assert identity["email"] is None
    assert identity["avatar_url"] == user["avatar"]


async def test_vk_error_answer_with_200_is_a_rejection(
    pclient: httpx.AsyncClient, rt: Runtime
) -> None:
    before = await audit_count(rt, "provider.rejected", provider="vk", reason="invalid_request")
    response = await sign_in(pclient, "vk2.a.forged")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "provider_rejected"
    after = await audit_count(rt, "provider.rejected", provider="vk", reason="invalid_request")
    assert after == before + 1


async def test_vk_answer_without_a_user_id_is_a_rejection(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    token, _ = fakes.vk.user(user_id=" ")
    assert (await sign_in(pclient, token)).status_code == 403


async def test_vk_outage_and_garbage_are_502(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    for behaviour in (FAIL, GARBAGE):
        token, _ = fakes.vk.user(behaviour)
        assert (await sign_in(pclient, token)).status_code == 502


async def test_vk_slow_answer_is_504(slow_client: httpx.AsyncClient, fakes: FakeProviders) -> None:
    token, _ = fakes.vk.user(SLOW)
    response = await sign_in(slow_client, token)
    assert response.status_code == 504
    assert "VK ID did not answer" in response.json()["error"]["message"]
