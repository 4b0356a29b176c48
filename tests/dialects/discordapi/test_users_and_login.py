"""DiscordApi seed (000) functions 1, 2, 6 and 16: user search, avatar upload, email login
with the new-device code over real SMTP, confirm_device_and_login."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from parley.settings import Settings
from tests.conftest import asgi_client, running_app
from tests.support.accounts import PASSWORD, Account, new_account
from tests.support.images import image_bytes, zip_file
from tests.support.mail import code_in, last_mail, mail_to
from tests.support.servers import SmtpSink


@pytest.fixture(scope="module")
async def mail_client(
    make_settings: Callable[..., Settings], smtp: SmtpSink
) -> AsyncIterator[httpx.AsyncClient]:
    async for app in running_app(make_settings(mail_url=smtp.url)):
        async with asgi_client(app) as client:
            yield client


# 1. user search


@pytest.mark.parametrize("path", ["/users/user/", "/users/user"])
async def test_user_search_finds_one_user(
    client: httpx.AsyncClient, alice: Account, bob: Account, path: str
) -> None:
    response = await client.get(
        path, params={"username": bob.username.upper()}, headers=alice.headers
    )
    assert response.status_code == 200
    assert response.json() == {"id": bob.id, "username": bob.username, "avatar_url": None}


async def test_user_search_errors(client: httpx.AsyncClient, alice: Account) -> None:
    assert (
        await client.get("/users/user/", params={"username": alice.username})
    ).status_code == 401
    bad = await client.get(
        "/users/user/", params={"username": alice.username}, headers={"Authorization": "junk"}
    )
    assert bad.status_code == 401
    assert isinstance(bad.json()["detail"], str)
    missing = await client.get(
        "/users/user/", params={"username": "nobody_here_at_all"}, headers=alice.headers
    )
    assert missing.status_code == 404
    assert missing.json() == {"detail": "User not found"}
    prefix = await client.get(
        "/users/user/", params={"username": alice.username[:-2]}, headers=alice.headers
    )
    assert prefix.status_code == 404  # exact names only
    no_query = await client.get("/users/user/", headers=alice.headers)
    assert no_query.status_code == 422
    empty = await client.get("/users/user/", params={"username": " "}, headers=alice.headers)
    assert empty.status_code == 400


# 2. avatar upload


async def test_avatar_upload_and_search_shows_it(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    files = {"avatar_file": ("me.png", image_bytes(), "image/png")}
    response = await client.patch("/users/upload-avatar/", files=files, headers=alice.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"Detail": "success"}
    found = await client.get(
        "/users/user", params={"username": alice.username}, headers=bob.headers
    )
    url = found.json()["avatar_url"]
    assert url.startswith("http://testserver/media/avatars/")
    assert (await client.get(url)).status_code == 200
    again = await client.patch("/users/upload-avatar", files=files, headers=alice.headers)
    assert again.status_code == 200
    me = (await client.get("/v1/users/me/profile", headers=alice.headers)).json()
    assert me["avatar_url"] not in (url, None)  # the same avatar the native API shows, replaced


async def test_avatar_upload_errors(client: httpx.AsyncClient, alice: Account) -> None:
    files = {"avatar_file": ("me.png", image_bytes(), "image/png")}
    assert (await client.patch("/users/upload-avatar/", files=files)).status_code == 401
    not_image = await client.patch(
        "/users/upload-avatar/",
        files={"avatar_file": ("me.png", zip_file(), "image/png")},
        headers=alice.headers,
    )
    assert not_image.status_code == 400
    assert isinstance(not_image.json()["detail"], str)
    no_file = await client.patch("/users/upload-avatar/", headers=alice.headers)
    assert no_file.status_code == 422


async def test_avatar_too_large_is_400(
    make_settings: Callable[..., Settings],
) -> None:
    async for app in running_app(make_settings(avatar_max_bytes=1000)):
        async with asgi_client(app) as client:
            who = await new_account(client, "dav")
            files = {"avatar_file": ("big.png", image_bytes(size=(400, 400), mode="RGB") * 3)}
            response = await client.patch("/users/upload-avatar/", files=files, headers=who.headers)
            assert response.status_code == 400


# 6 + 16. login with the new-device code


def login_body(who: Account, fingerprint: str) -> dict[str, str]:
    return {"email": who.email, "password": PASSWORD, "client_fingerprint": fingerprint}


async def test_login_new_device_code_then_known_device(
    mail_client: httpx.AsyncClient, smtp: SmtpSink
) -> None:
    who = await new_account(mail_client, "dlog")
    first = await mail_client.post(
        "/auth/login/",
        json=login_body(who, "996a37cf8751bc151a1a0f8"),
        headers={"X-Forwarded-For": "188.131.21.22"},
    )
    assert first.status_code == 200
    masked = f"{who.email[0]}***@example.com"
    assert first.json() == {"detail": f"Confirmation code send to: {masked}"}
    code = code_in(await last_mail(smtp, who.email, "device"))
    wrong = await mail_client.post(
        "/auth/confirm_device_and_login/",
        json={"email": who.email, "password": PASSWORD, "confirmation_code": "000000"},
    )
    if code != "000000":  # a wrong code is 404, as the seed lists and the original answers
        assert wrong.status_code == 404
        assert wrong.json() == {"detail": "Wrong or unknown confirmation code"}
    confirmed = await mail_client.post(
        "/auth/confirm_device_and_login",
        json={"email": who.email, "password": PASSWORD, "confirmation_code": code},
    )
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert body["type"] == "Bearer"
    assert set(body) == {"token", "type"}
    gateway = await mail_client.get("/gateway/get-token/", headers={"Authorization": body["token"]})
    assert gateway.status_code == 200
    assert gateway.headers["x-user-id"] == str(who.id)
    await mail_to(smtp, who.email, "notice")  # the "this wasn't me" notice
    again = await mail_client.post("/auth/login", json=login_body(who, "996a37cf8751bc151a1a0f8"))
    assert again.status_code == 200
    assert again.json()["type"] == "Bearer"
    token = again.json()["token"]
    me = await mail_client.get("/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["id"] == who.id
    used = await mail_client.post(
        "/auth/confirm_device_and_login/",
        json={"email": who.email, "password": PASSWORD, "confirmation_code": code},
    )
    assert used.status_code == 404  # a spent code is unknown now


async def test_login_errors(client: httpx.AsyncClient, alice: Account) -> None:
    unknown = await client.post(
        "/auth/login/",
        json={"email": "nobody-x@example.com", "password": PASSWORD, "client_fingerprint": "f"},
    )
    assert unknown.status_code == 404
    assert isinstance(unknown.json()["detail"], str)
    wrong = await client.post(
        "/auth/login/", json={**login_body(alice, "f"), "password": "not the password"}
    )
    assert wrong.status_code == 400
    assert isinstance(wrong.json()["detail"], str)
    missing = await client.post("/auth/login/", json={"email": alice.email})
    assert missing.status_code == 422
    assert isinstance(missing.json()["detail"], list)
    not_json = await client.post("/auth/login/", content=b"{", headers={"content-type": "x"})
    assert not_json.status_code == 422
    confirm_unknown = await client.post(
        "/auth/confirm_device_and_login/",
        json={"email": "nobody-y@example.com", "password": PASSWORD, "confirmation_code": "1"},
    )
    assert confirm_unknown.status_code == 404
    no_code_issued = await client.post(
        "/auth/confirm_device_and_login/",
        json={"email": alice.email, "password": PASSWORD, "confirmation_code": "123456"},
    )
    assert no_code_issued.status_code == 404
    wrong_password = await client.post(
        "/auth/confirm_device_and_login/",
        json={"email": alice.email, "password": "nope nope nope", "confirmation_code": "123456"},
    )
    assert wrong_password.status_code == 400


async def test_wrong_passwords_still_count_towards_the_limit(
    make_settings: Callable[..., Settings],
) -> None:
    """Wrong password maps to 400 without losing the failure counting (429 follows)."""
    settings = make_settings(rate_limits_enabled=True, rate_login="3/minute")
    async for app in running_app(settings):
        async with asgi_client(app) as client:
            who = await new_account(client, "drl")
            statuses = []
            for _ in range(5):
                response = await client.post(
                    "/auth/login/", json={**login_body(who, "f"), "password": "wrong wrong"}
                )
                statuses.append(response.status_code)
            assert statuses[0] == 400
            assert statuses[-1] == 429
