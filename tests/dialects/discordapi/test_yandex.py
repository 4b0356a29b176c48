"""DiscordApi seed (000) functions 3, 5 and the Yandex login, against the fake Yandex ID
server (`tests/support/fake_providers.py`): no test reaches the internet."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from parley.settings import Settings
from tests.conftest import asgi_client, running_app
from tests.support.fake_providers import FAIL, FakeProviders


@pytest.fixture(scope="module")
def fakes() -> Iterator[FakeProviders]:
    providers = FakeProviders()
    providers.start()
    yield providers
    providers.stop()


@pytest.fixture(scope="module")
async def yclient(
    fakes: FakeProviders, make_settings: Callable[..., Settings]
) -> AsyncIterator[httpx.AsyncClient]:
    async for app in running_app(fakes.settings(make_settings)):
        async with asgi_client(app) as client:
            yield client


@pytest.mark.parametrize("path", ["/auth/yandex_oauth_url/", "/auth/yandex_oauth_url"])
async def test_yandex_oauth_url(
    yclient: httpx.AsyncClient, fakes: FakeProviders, path: str
) -> None:
    response = await yclient.get(path)
    assert response.status_code == 200
    assert set(response.json()) == {"yandex_url"}
    url = urlsplit(response.json()["yandex_url"])
    assert f"{url.scheme}://{url.netloc}" == "https://oauth.yandex.test"
    query = parse_qs(url.query)
    assert query["client_id"] == [fakes.yandex.client_id]
    assert query["state"]


async def test_yandex_url_when_yandex_is_not_configured(client: httpx.AsyncClient) -> None:
    response = await client.get("/auth/yandex_oauth_url/")
    assert response.status_code == 404
    assert isinstance(response.json()["detail"], str)


async def test_register_then_login_with_yandex(
    yclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    token, info = fakes.yandex.account()
    not_yet = await yclient.post("/auth/yandex_oauth_login/", params={"oauth_token": token})
    assert not_yet.status_code == 404
    registered = await yclient.post(
        "/auth/yandex_oauth_register/",
        params={"oauth_token": token},
        headers={"Accept-Language": "ru-RU,ru;q=0.9"},
    )
    assert registered.status_code == 200, registered.text
    assert registered.json() == {"detail": "success"}
    again = await yclient.post("/auth/yandex_oauth_register", params={"oauth_token": token})
    assert again.status_code == 400
    assert isinstance(again.json()["detail"], str)
    login = await yclient.post("/auth/yandex_oauth_login", params={"oauth_token": token})
    assert login.status_code == 200, login.text
    assert login.json()["type"] == "Bearer"  # no device code: Yandex authenticated the person
    headers = {"Authorization": login.json()["token"]}
    me = (await yclient.get("/v1/users/me", headers=headers)).json()
    assert me["username"] == info["login"]
    assert me["email"] == info["default_email"]
    assert me["country"] == "RU"
    assert (await yclient.get("/gateway/get-token/", headers=headers)).status_code == 200
    found = await yclient.get("/users/user/", params={"username": info["login"]}, headers=headers)
    assert found.json()["id"] == me["id"]
    # the original's path for the same login, as its nginx routes it
    for path in ("/auth/login_yandex/", "/auth/login_yandex"):
        original = await yclient.post(path, params={"oauth_token": token})
        assert original.status_code == 200, original.text
        assert original.json()["type"] == "Bearer"
        same = await yclient.get(
            "/v1/users/me", headers={"Authorization": original.json()["token"]}
        )
        assert same.json()["id"] == me["id"]


async def test_yandex_refusals(yclient: httpx.AsyncClient, fakes: FakeProviders) -> None:
    for path in (
        "/auth/yandex_oauth_register/",
        "/auth/yandex_oauth_login/",
        "/auth/login_yandex/",
    ):
        rejected = await yclient.post(path, params={"oauth_token": "not-a-yandex-token"})
        assert rejected.status_code == 400, path
        assert isinstance(rejected.json()["detail"], str)
        assert (await yclient.post(path)).status_code == 422
        assert (await yclient.post(path, params={"oauth_token": "a\x00b"})).status_code == 422
    broken, _ = fakes.yandex.account(FAIL)
    down = await yclient.post("/auth/yandex_oauth_register/", params={"oauth_token": broken})
    assert down.status_code == 502
