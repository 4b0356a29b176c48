"""Provider pictures are imported through the profiles service at sign-up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from parley.kit.client import ClientInfo
from parley.kit.secrets import new_token
from parley.providers import service
from parley.runtime import Runtime
from tests.providers.test_telegram import new_tg_id, start
from tests.support.fake_providers import FakeGoogle, FakeProviders
from tests.support.provider_sign_in import provider_sign_in


async def profile_of(client: httpx.AsyncClient, signed: httpx.Response) -> dict[str, Any]:
    assert signed.status_code == 200, signed.text
    headers = {"Authorization": f"Bearer {signed.json()['access_token']}"}
    response = await client.get("/v1/users/me/profile", headers=headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def assert_stored_image(client: httpx.AsyncClient, url: str) -> None:
    assert url.startswith("http://testserver/media/avatars/")
    served = await client.get(url.removeprefix("http://testserver"))
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("image/")


async def test_yandex_avatar_is_imported(pclient: httpx.AsyncClient, fakes: FakeProviders) -> None:
    token, _ = fakes.yandex.account()
    signed = await pclient.post("/v1/auth/providers/yandex/sign-in", json={"token": token})
    profile = await profile_of(pclient, signed)
    await assert_stored_image(pclient, profile["avatar_url"])
    assert profile["avatar_thumbnail_url"]


async def test_vk_avatar_is_imported(pclient: httpx.AsyncClient, fakes: FakeProviders) -> None:
    token, _ = fakes.vk.user()
    signed = await pclient.post("/v1/auth/providers/vk/sign-in", json={"token": token})
    await assert_stored_image(pclient, (await profile_of(pclient, signed))["avatar_url"])


async def test_telegram_photo_is_imported_without_leaking_the_bot_token(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    tg_id, code = new_tg_id(), new_token(24)
    fakes.telegram.with_photo(tg_id)
    await start(pclient, fakes, tg_id, f"/start {code}")
    signed = await pclient.post("/v1/auth/providers/telegram/sign-in", json={"token": code})
    profile = await profile_of(pclient, signed)
    await assert_stored_image(pclient, profile["avatar_url"])
    assert fakes.telegram.bot_token not in str(profile)
    assert f"file:big/photos/file_{tg_id}.jpg" in fakes.telegram.server.requests


async def test_unusable_picture_falls_back_to_the_public_url(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    picture = f"{fakes.yandex.url}/info?format=json"  # answers 400, not an image
    token, _ = fakes.google.token(picture=picture)
    signed = await pclient.post("/v1/auth/providers/google/sign-in", json={"token": token})
    assert (await profile_of(pclient, signed))["avatar_url"] == picture


async def test_schedule_avatar_url_from_the_request_is_linked_not_fetched(
    rt: Runtime, fakes: FakeProviders
) -> None:
    token, sub = fakes.google.token()
    async with rt.db.unit_of_work() as session:
        issued = await service.schedule_auth(
            session,
            auth_method="GOOGLE",
            id_token=token,
            external_user_id=sub,
            avatar_url="https://cdn.example/oleg.png",
            client=ClientInfo(),
            using=provider_sign_in(rt),
        )
    assert issued.user.avatar_key == "https://cdn.example/oleg.png"


async def test_oversized_picture_is_not_downloaded_past_the_cap(
    fakes: FakeProviders, own_google: FakeGoogle, google_app: Callable[..., Any]
) -> None:
    picture = f"{fakes.vk.url}/avatar/big.jpg"
    async with google_app(avatar_max_bytes=100) as (client, _rt):
        token, _ = own_google.token(picture=picture)
        signed = await client.post("/v1/auth/providers/google/sign-in", json={"token": token})
        assert (await profile_of(client, signed))["avatar_url"] == picture
