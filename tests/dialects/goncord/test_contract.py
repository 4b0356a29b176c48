"""Goncord seed (001): contract tests with the seed's own examples (Cyrillic names included).

App tokens come from the real access service (`tests.support.access.new_app`) and from the
native admin API; user tokens from Goncord's own `POST /api/v0/tokens`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from parley.access import service as access
from parley.runtime import Runtime
from parley.settings import Settings
from tests.conftest import asgi_client, running_app
from tests.support.access import RegisteredApp, new_app
from tests.support.accounts import PASSWORD, Account, unique_name

API = "/api/v0"

# the seed's examples
SEED_USER = {
    "password": "password",
    "first_name": "Дмитрий",
    "last_name": "Дубина",
    "second_name": "Евгеньевич",
    "birthday": "1995-03-30",
    "roles": [{"name": "rle1"}, {"name": "rle2"}],
}
SEED_NAMES = {
    "second_name": "Евгеньевич",
    "last_name": "Дубина",
    "first_name": "Дмитрий",
    "birthday": "1995-03-30",
}
SEED_SECRET = {"secret_field": {"foo": "bar", "baz": 2017}}
SEED_SELF_PAYLOAD = {"foo": "bar", "baz": 123}
SEED_YA = {"ya-bar": "ya-foo", "baz": {"value": 123}}
SEED_GOOGLE = {"new_foo": "new_bar"}
USER_KEYS = [
    "second_name",
    "roles",
    "login",
    "last_name",
    "first_name",
    "email",
    "birthday",
    "apps",
]


class _KeepNoCookies(DefaultCookiePolicy):
    def set_ok(self, *_args: Any) -> bool:
        return False


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client that does not keep the `jwt` cookie it is given: each test sends it on purpose."""
    async with asgi_client(app, cookies=CookieJar(policy=_KeepNoCookies())) as c:
        yield c


async def with_cookie(
    client: httpx.AsyncClient, method: str, url: str, token: str, **kwargs: Any
) -> httpx.Response:
    client.cookies.set("jwt", token)
    try:
        return await client.request(method, url, **kwargs)
    finally:
        client.cookies.clear()


@pytest.fixture
async def seed_apps(runtime: Runtime) -> dict[str, RegisteredApp]:
    """The seed's resources by URL."""
    apps = {}
    for url in ("http://google.com", "http://dissw.ru", "http://ya.ru"):
        async with runtime.db.unit_of_work() as session:
            created = await access.create_app(session, url=url, name=url)
        apps[url] = RegisteredApp(created.app.id, url, created.app.name, created.token)
    return apps


@pytest.fixture
async def super_app(runtime: Runtime) -> RegisteredApp:
    return await new_app(runtime, is_super=True)


@pytest.fixture
async def plain_app(client: httpx.AsyncClient, super_app: RegisteredApp) -> RegisteredApp:
    """An ordinary app registered through the native admin API."""
    url = f"https://{unique_name('plain')}.example.com"
    response = await client.post(
        "/v1/apps", json={"url": url, "name": "Plain"}, headers=super_app.headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return RegisteredApp(body["id"], url, body["name"], body["token"])


def seed_user(**overrides: Any) -> dict[str, Any]:
    login = unique_name("g")
    body: dict[str, Any] = {"login": login, "email": f"{login}@example.com", **SEED_USER}
    body.update(overrides)
    return body


async def register(
    client: httpx.AsyncClient, app: RegisteredApp | None = None, **overrides: Any
) -> dict[str, Any]:
    body = seed_user(**overrides)
    headers = app.headers if app else {}
    response = await client.post(f"{API}/users", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return {**body, "user": response.json()}


async def sign_in(client: httpx.AsyncClient, **overrides: Any) -> tuple[dict[str, Any], str]:
    """Register (without roles) and take a Goncord token; returns (body, jwt)."""
    body = await register(client, roles=[], **overrides)
    response = await client.post(
        f"{API}/tokens", json={"email": body["email"], "password": body["password"]}
    )
    assert response.status_code == 201, response.text
    return body, response.json()["jwt"]


def bearer(token: str, app: RegisteredApp | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    return {**headers, **app.headers} if app else headers


async def validate(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get(f"{API}/tokens/validate", headers=bearer(token))


def expected_user(body: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {
        "second_name": "Евгеньевич",
        "roles": [],
        "login": body["login"],
        "last_name": "Дубина",
        "first_name": "Дмитрий",
        "email": body["email"],
        "birthday": "1995-03-30",
        "apps": {},
        **overrides,
    }


# --- POST /users -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", [f"{API}/users", f"{API}/users/"])
async def test_register_with_the_seed_example(
    client: httpx.AsyncClient, super_app: RegisteredApp, path: str
) -> None:
    body = seed_user()
    response = await client.post(path, json=body)  # no app token: the seed's example
    assert response.status_code == 201, response.text
    user = response.json()
    assert list(user) == USER_KEYS
    assert user == expected_user(body, roles=[{"name": "rle1"}, {"name": "rle2"}])


async def test_register_without_roles_is_public_and_roles_may_be_strings(
    client: httpx.AsyncClient, super_app: RegisteredApp
) -> None:
    body = seed_user(roles=[])
    response = await client.post(f"{API}/users", json=body)
    assert response.status_code == 201, response.text
    assert response.json() == expected_user(body)
    minimal = {"login": unique_name("g"), "password": "password"}
    bare = await client.post(f"{API}/users", json=minimal)
    assert bare.status_code == 201, bare.text
    assert bare.json()["email"] is None
    assert bare.json()["first_name"] is None
    strings = await client.post(
        f"{API}/users", json=seed_user(roles=["rle2", "rle1"]), headers=super_app.headers
    )
    assert strings.json()["roles"] == [{"name": "rle1"}, {"name": "rle2"}]


async def test_register_with_a_protected_role_needs_a_super_app(
    client: httpx.AsyncClient,
    runtime: Runtime,
    plain_app: RegisteredApp,
    super_app: RegisteredApp,
) -> None:
    protected = unique_name("staff")
    async with runtime.db.unit_of_work() as session:
        await access.create_role(session, protected, protected=True)
    for role in ("admin", protected):
        body = seed_user(roles=[{"name": "rle1"}, {"name": role}])
        anonymous = await client.post(f"{API}/users", json=body)
        assert anonymous.status_code == 403
        assert anonymous.json() == {"error": f"The role(s) {role} need a super app token"}
        plain = await client.post(f"{API}/users", json=body, headers=plain_app.headers)
        assert plain.status_code == 403
        granted = await client.post(f"{API}/users", json=body, headers=super_app.headers)
        assert granted.status_code == 201
        assert {"name": role} in granted.json()["roles"]
    body = seed_user(roles=[{"name": "admin"}])
    unknown = await client.post(f"{API}/users", json=body, headers={"x-app-token": "nope"})
    assert unknown.status_code == 401
    assert unknown.json() == {"error": "Missing or unknown x-app-token"}
    # nothing was created by the refused attempts
    login = await client.post(
        f"{API}/tokens", json={"login": body["login"], "password": "password"}
    )
    assert login.status_code == 422


async def test_taken_login_or_email_is_422_like_a_changeset(client: httpx.AsyncClient) -> None:
    first = await register(client, roles=[])
    again = await client.post(
        f"{API}/users", json=seed_user(login=first["login"].upper(), roles=[])
    )
    assert again.status_code == 422
    assert again.json() == {
        "error": "login: has already been taken",
        "errors": {"login": ["has already been taken"]},
    }
    same_email = await client.post(f"{API}/users", json=seed_user(email=first["email"], roles=[]))
    assert same_email.status_code == 422
    assert same_email.json()["errors"] == {"email": ["has already been taken"]}


async def test_bad_bodies_answer_in_the_goncord_error_style(client: httpx.AsyncClient) -> None:
    missing = await client.post(f"{API}/users", json={"email": "x@example.com"})
    assert missing.status_code == 422
    assert missing.json() == {
        "error": "login: can't be blank",
        "errors": {"login": ["can't be blank"], "password": ["can't be blank"]},
    }
    malformed = await client.post(
        f"{API}/users", content=b'{"login": ', headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.json() == {"error": "Malformed JSON body"}
    cases = {
        "birthday": {"birthday": "1995-13-40"},
        "email": {"email": "not-an-email"},
        "password": {"password": "short"},
        "login": {"login": "has spaces!"},
        "roles": {"roles": "rle1"},
        "first_name": {"first_name": "x" * 101},
        "last_name": {"last_name": "nul\x00byte"},
    }
    for field, override in cases.items():
        response = await client.post(f"{API}/users", json=seed_user(**{"roles": [], **override}))
        assert response.status_code == 422, (field, response.text)
        errors = response.json()["errors"]
        assert any(key.split(".")[0] == field for key in errors), (field, errors)
        assert all(isinstance(messages, list) for messages in errors.values())


# --- POST/DELETE /tokens, GET /tokens/validate -----------------------------------------------


async def test_token_by_email_or_login_with_an_http_only_cookie(
    client: httpx.AsyncClient,
) -> None:
    body = await register(client, roles=[])
    by_email = await client.post(
        f"{API}/tokens", json={"email": body["email"], "password": "password"}
    )
    assert by_email.status_code == 201, by_email.text
    answer = by_email.json()
    assert list(answer) == ["user", "jwt"]
    assert answer["user"] == expected_user(body)
    cookie = by_email.headers["set-cookie"]
    assert cookie.startswith(f"jwt={answer['jwt']};")
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    by_login = await client.post(
        f"{API}/tokens/", json={"login": body["login"], "password": "password"}
    )
    assert by_login.status_code == 201
    assert by_login.json()["jwt"] != answer["jwt"]


async def test_token_refusals(client: httpx.AsyncClient) -> None:
    body = await register(client, roles=[])
    wrong = await client.post(f"{API}/tokens", json={"email": body["email"], "password": "nope"})
    assert wrong.status_code == 422  # the original's answer to a wrong password
    assert wrong.json() == {"error": "Wrong login or password"}
    nul = await client.post(f"{API}/tokens", json={"login": "x\x00", "password": "password"})
    assert nul.status_code == 422
    nobody = await client.post(
        f"{API}/tokens", json={"login": unique_name("nobody"), "password": "password"}
    )
    assert nobody.status_code == 422
    neither = await client.post(f"{API}/tokens", json={"password": "password"})
    assert neither.status_code == 422
    assert list(neither.json()["errors"]) == ["login"]
    no_password = await client.post(f"{API}/tokens", json={"login": body["login"]})
    assert no_password.status_code == 422
    assert no_password.json()["errors"] == {"password": ["can't be blank"]}


async def test_validate_reads_the_header_and_the_cookie_only_without_it(
    client: httpx.AsyncClient,
) -> None:
    body, token = await sign_in(client)
    other, other_token = await sign_in(client)
    by_header = await client.get(f"{API}/tokens/validate", headers={"Authorization": token})
    assert by_header.status_code == 200
    assert by_header.json() == expected_user(body)
    by_cookie = await with_cookie(client, "GET", f"{API}/tokens/validate", token)
    assert by_cookie.status_code == 200
    assert by_cookie.json()["login"] == body["login"]
    # the header wins over the cookie, whatever each holds
    header_wins = await with_cookie(
        client, "GET", f"{API}/tokens/validate/", token, headers=bearer(other_token)
    )
    assert header_wins.json()["login"] == other["login"]
    bad_header = await with_cookie(
        client, "GET", f"{API}/tokens/validate", token, headers=bearer("junk")
    )
    assert bad_header.status_code == 401
    assert bad_header.json() == {"error": "Invalid token"}
    missing = await client.get(f"{API}/tokens/validate")
    assert missing.status_code == 401
    assert list(missing.json()) == ["error"]


async def test_logout_revokes_only_the_current_session(client: httpx.AsyncClient) -> None:
    body, token = await sign_in(client)
    second = await client.post(
        f"{API}/tokens", json={"login": body["login"], "password": "password"}
    )
    other_token = second.json()["jwt"]
    response = await client.delete(f"{API}/tokens", headers=bearer(token))
    assert response.status_code == 204
    assert response.content == b""
    assert 'jwt=""' in response.headers["set-cookie"]
    assert (await validate(client, token)).status_code == 401
    assert (await validate(client, other_token)).status_code == 200
    assert (await client.delete(f"{API}/tokens/", headers=bearer(token))).status_code == 401
    assert (await client.delete(f"{API}/tokens")).status_code == 401
    by_cookie = await with_cookie(client, "DELETE", f"{API}/tokens", other_token)
    assert by_cookie.status_code == 204
    assert (await validate(client, other_token)).status_code == 401


# --- POST /users/change_password -------------------------------------------------------------


async def test_change_password_keeps_this_session_and_ends_the_others(
    client: httpx.AsyncClient,
) -> None:
    body, token = await sign_in(client)
    other = await client.post(
        f"{API}/tokens", json={"login": body["login"], "password": "password"}
    )
    other_token = other.json()["jwt"]
    seed_body = {"old_password": "password", "new_password": "new_password"}
    response = await client.post(
        f"{API}/users/change_password", json=seed_body, headers=bearer(token)
    )
    assert response.status_code == 200
    assert response.content == b""
    assert (await validate(client, token)).status_code == 200
    assert (await validate(client, other_token)).status_code == 401
    old = await client.post(f"{API}/tokens", json={"login": body["login"], "password": "password"})
    assert old.status_code == 422
    new = await client.post(
        f"{API}/tokens", json={"login": body["login"], "password": "new_password"}
    )
    assert new.status_code == 201


async def test_change_password_refusals(client: httpx.AsyncClient) -> None:
    _, token = await sign_in(client)
    url = f"{API}/users/change_password/"
    wrong = await client.post(
        url, json={"old_password": "not-it", "new_password": "new_password"}, headers=bearer(token)
    )
    assert wrong.status_code == 422
    assert wrong.json() == {
        "error": "old_password: is invalid",
        "errors": {"old_password": ["is invalid"]},
    }
    assert (await validate(client, token)).status_code == 200  # still signed in
    weak = await client.post(
        url, json={"old_password": "password", "new_password": "short"}, headers=bearer(token)
    )
    assert weak.status_code == 422
    assert list(weak.json()["errors"]) == ["new_password"]
    blank = await client.post(url, json={}, headers=bearer(token))
    assert blank.status_code == 422
    assert set(blank.json()["errors"]) == {"old_password", "new_password"}
    anonymous = await client.post(
        url, json={"old_password": "password", "new_password": "new_password"}
    )
    assert anonymous.status_code == 401


# --- PATCH /users ----------------------------------------------------------------------------


async def test_patch_users_with_the_seed_examples(
    client: httpx.AsyncClient,
    super_app: RegisteredApp,
    seed_apps: dict[str, RegisteredApp],
) -> None:
    body, token = await sign_in(
        client, first_name="Иван", second_name="Петрович", birthday="2000-01-01"
    )
    headers = bearer(token, super_app)
    names = await client.patch(f"{API}/users", json=SEED_NAMES, headers=headers)
    assert names.status_code == 200, names.text
    assert names.json() == expected_user(body)
    # the user has resources; a super app rewrites another resource's payload
    current = await client.patch(
        f"{API}/users",
        json={"apps": {"http://google.com": {}, "http://dissw.ru": {}}},
        headers=headers,
    )
    assert current.json()["apps"] == {"http://google.com": {}, "http://dissw.ru": {}}
    seed_body = {
        **SEED_NAMES,
        "roles": [],
        "apps": {"http://google.com": {}, "http://dissw.ru": SEED_SECRET},
    }
    response = await client.patch(f"{API}/users/", json=seed_body, headers=headers)
    assert response.status_code == 200
    assert response.json() == expected_user(
        body, apps={"http://google.com": {}, "http://dissw.ru": SEED_SECRET}
    )
    # roles replace (strings or objects, unknown ones created); absent fields stay
    fresh = unique_name("role")
    roles = await client.patch(
        f"{API}/users", json={"roles": ["student", {"name": fresh}]}, headers=headers
    )
    assert roles.json()["roles"] == sorted(
        [{"name": "student"}, {"name": fresh}], key=lambda r: r["name"]
    )
    assert roles.json()["first_name"] == "Дмитрий"
    cleared = await client.patch(f"{API}/users", json={"roles": []}, headers=headers)
    assert cleared.json()["roles"] == []


async def test_patch_users_needs_a_super_app_and_a_user(
    client: httpx.AsyncClient, super_app: RegisteredApp, plain_app: RegisteredApp
) -> None:
    _, token = await sign_in(client)
    url = f"{API}/users"
    assert (await client.patch(url, json=SEED_NAMES, headers=bearer(token))).status_code == 403
    plain = await client.patch(url, json=SEED_NAMES, headers=bearer(token, plain_app))
    assert plain.status_code == 403
    assert plain.json() == {"error": "This needs a super app token"}
    # a missing or unknown app token is 403 too (the original's IsSuperResource)
    unknown = await client.patch(
        url, json=SEED_NAMES, headers={**bearer(token), "x-app-token": "nope"}
    )
    assert unknown.status_code == 403
    no_user = await client.patch(url, json=SEED_NAMES, headers=super_app.headers)
    assert no_user.status_code == 401
    bad = await client.patch(
        url, json={"birthday": "yesterday", "apps": []}, headers=bearer(token, super_app)
    )
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"birthday", "apps"}


# --- PATCH /resource/self_update, /resource/update -------------------------------------------


async def test_self_update_replaces_the_calling_apps_payload(
    client: httpx.AsyncClient, seed_apps: dict[str, RegisteredApp]
) -> None:
    body, token = await sign_in(client)
    google = seed_apps["http://google.com"]
    url = f"{API}/resource/self_update"
    response = await client.patch(url, json=SEED_SELF_PAYLOAD, headers=bearer(token, google))
    assert response.status_code == 200, response.text
    assert response.json() == expected_user(body, apps={"http://google.com": SEED_SELF_PAYLOAD})
    replaced = await client.patch(f"{url}/", json={"foo": "baz"}, headers=bearer(token, google))
    assert replaced.json()["apps"] == {"http://google.com": {"foo": "baz"}}
    # a second user's update touches only that user's payload
    _, other_token = await sign_in(client)
    theirs = await client.patch(url, json={"mine": True}, headers=bearer(other_token, google))
    assert theirs.json()["apps"] == {"http://google.com": {"mine": True}}
    assert (await validate(client, token)).json()["apps"] == {"http://google.com": {"foo": "baz"}}


async def test_self_update_refusals(
    client: httpx.AsyncClient, seed_apps: dict[str, RegisteredApp]
) -> None:
    _, token = await sign_in(client)
    google = seed_apps["http://google.com"]
    url = f"{API}/resource/self_update"
    no_app = await client.patch(url, json=SEED_SELF_PAYLOAD, headers=bearer(token))
    assert no_app.status_code == 401
    assert no_app.json() == {"error": "Missing or unknown x-app-token"}
    no_user = await client.patch(url, json=SEED_SELF_PAYLOAD, headers=google.headers)
    assert no_user.status_code == 401
    not_object = await client.patch(url, json=[1, 2], headers=bearer(token, google))
    assert not_object.status_code == 422
    assert "errors" in not_object.json()
    nul = await client.patch(url, json={"a": "\x00"}, headers=bearer(token, google))
    assert nul.status_code == 422
    assert nul.json() == {"error": "An app payload cannot contain NUL characters"}


async def test_super_app_updates_payloads_by_url_and_ignores_unknown_urls(
    client: httpx.AsyncClient, super_app: RegisteredApp, seed_apps: dict[str, RegisteredApp]
) -> None:
    body, token = await sign_in(client)
    google = seed_apps["http://google.com"]
    await client.patch(
        f"{API}/resource/self_update", json={"old": 1}, headers=bearer(token, google)
    )
    seed_body = {"http://google.com": SEED_GOOGLE, "http://ya.ru": SEED_YA}
    response = await client.patch(
        f"{API}/resource/update",
        json={**seed_body, "http://unknown.example": {"x": 1}},
        headers=bearer(token, super_app),
    )
    assert response.status_code == 200, response.text
    assert response.json() == expected_user(body, apps=seed_body)


async def test_resource_update_refusals(
    client: httpx.AsyncClient, plain_app: RegisteredApp, super_app: RegisteredApp
) -> None:
    _, token = await sign_in(client)
    url = f"{API}/resource/update/"
    body = {"http://google.com": SEED_GOOGLE}
    assert (await client.patch(url, json=body, headers=bearer(token))).status_code == 403
    plain = await client.patch(url, json=body, headers=bearer(token, plain_app))
    assert plain.status_code == 403
    assert (await client.patch(url, json=body, headers=super_app.headers)).status_code == 401
    not_object = await client.patch(
        url, json={"http://google.com": [1]}, headers=bearer(token, super_app)
    )
    assert not_object.status_code == 422
    assert not_object.json() == {"error": "An app payload is a JSON object"}


# --- POST/DELETE /roles, GET /menu -----------------------------------------------------------


async def test_roles_set_exactly_and_delete(
    client: httpx.AsyncClient, super_app: RegisteredApp
) -> None:
    _, token = await sign_in(client)
    headers = bearer(token, super_app)
    seed_body = {"roles": ["admin", "student", "teacher"]}
    response = await client.post(f"{API}/roles", json=seed_body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == [{"name": "admin"}, {"name": "student"}, {"name": "teacher"}]
    exactly = await client.post(f"{API}/roles/", json={"roles": ["student"]}, headers=headers)
    assert exactly.json() == [{"name": "student"}]
    await client.post(f"{API}/roles", json=seed_body, headers=headers)
    deleted = await client.request(
        "DELETE", f"{API}/roles", json={"roles": ["admin"]}, headers=headers
    )
    assert deleted.status_code == 204
    assert deleted.content == b""
    roles = (await validate(client, token)).json()["roles"]
    assert roles == [{"name": "student"}, {"name": "teacher"}]
    unheld = await client.request(
        "DELETE", f"{API}/roles/", json={"roles": ["never-held"]}, headers=headers
    )
    assert unheld.status_code == 204


async def test_roles_refusals(
    client: httpx.AsyncClient, plain_app: RegisteredApp, super_app: RegisteredApp
) -> None:
    _, token = await sign_in(client)
    body = {"roles": ["admin"]}
    for method in ("POST", "DELETE"):
        url = f"{API}/roles"
        plain = await client.request(method, url, json=body, headers=bearer(token, plain_app))
        assert plain.status_code == 403, method
        # without an app token: 403, as the original's IsSuperResource answers
        no_app = await client.request(method, url, json=body, headers=bearer(token))
        assert no_app.status_code == 403, method
        assert no_app.json() == {"error": "This needs a super app token"}
        no_user = await client.request(method, url, json=body, headers=super_app.headers)
        assert no_user.status_code == 401
        bad = await client.request(
            method, url, json={"roles": "admin"}, headers=bearer(token, super_app)
        )
        assert bad.status_code == 422
    long_name = await client.post(
        f"{API}/roles", json={"roles": [" "]}, headers=bearer(token, super_app)
    )
    assert long_name.status_code == 422
    assert list(long_name.json()["errors"]) == ["roles"]
    assert (await validate(client, token)).json()["roles"] == []


async def test_menu_lists_reachable_apps_once_with_their_names(
    client: httpx.AsyncClient, runtime: Runtime, super_app: RegisteredApp
) -> None:
    first, second, hidden = unique_name("r"), unique_name("r"), unique_name("r")
    both = await new_app(runtime, roles=(first, second), name="Админка")
    one = await new_app(runtime, roles=(second,), name="Расписание")
    await new_app(runtime, roles=(hidden,), name="Hidden")
    _, token = await sign_in(client)
    await client.post(
        f"{API}/roles", json={"roles": [first, second]}, headers=bearer(token, super_app)
    )
    response = await client.get(f"{API}/menu", headers=bearer(token))
    assert response.status_code == 200
    assert sorted(response.json(), key=lambda e: e["url"]) == sorted(
        [{"url": both.url, "name": "Админка"}, {"url": one.url, "name": "Расписание"}],
        key=lambda e: e["url"],
    )
    _, other_token = await sign_in(client)
    assert (await client.get(f"{API}/menu/", headers=bearer(other_token))).json() == []
    assert (await client.get(f"{API}/menu")).status_code == 401


# --- across surfaces -------------------------------------------------------------------------


async def test_a_goncord_user_signs_in_everywhere_and_tokens_cross_surfaces(
    client: httpx.AsyncClient,
) -> None:
    body, token = await sign_in(client)
    native = await client.post(
        "/v1/auth/login", json={"login": body["login"], "password": "password"}
    )
    assert native.status_code == 200, native.text
    native_token = native.json()["access_token"]
    me = await client.get("/v1/users/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.json()["username"] == body["login"]
    assert me.json()["email"] == body["email"]
    gateway = await client.get("/gateway/get-token/", headers={"Authorization": token})
    assert gateway.status_code == 200
    assert gateway.headers["x-user-id"] == str(me.json()["id"])
    assert (await validate(client, native_token)).json()["login"] == body["login"]
    profile = (await client.get("/v1/users/me/profile", headers=bearer(token))).json()
    assert profile["first_name"] == "Дмитрий"
    assert profile["birthday"] == "1995-03-30"
    # a Goncord logout is seen by the gateway check
    await client.delete(f"{API}/tokens", headers=bearer(token))
    assert (await client.get("/gateway/get-token/", headers=bearer(token))).status_code == 403


async def test_native_and_discordapi_accounts_sign_in_through_goncord(
    client: httpx.AsyncClient, alice: Account
) -> None:
    response = await client.post(f"{API}/tokens", json={"email": alice.email, "password": PASSWORD})
    assert response.status_code == 201, response.text
    assert response.json()["user"]["login"] == alice.username
    name = unique_name("d")
    registered = await client.post(
        "/auth/register/",
        json={"username": name, "email": f"{name}@example.com", "password": PASSWORD},
        headers={"Accept-Language": "ru-RU"},
    )
    assert registered.status_code == 200
    goncord = await client.post(f"{API}/tokens", json={"login": name, "password": PASSWORD})
    assert goncord.status_code == 201
    assert goncord.json()["user"]["roles"] == []


# --- settings --------------------------------------------------------------------------------


async def test_login_rate_limit_answers_429_in_goncord_style(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(
        rate_limits_enabled=True, rate_login="2/minute", redis_prefix=f"rl-{unique_name()}"
    )
    async for app in running_app(settings):
        async with asgi_client(app) as client:
            body = await register(client, roles=[])
            wrong = {"login": body["login"], "password": "not-it"}
            statuses = [
                (await client.post(f"{API}/tokens", json=wrong)).status_code for _ in range(2)
            ]
            limited = await client.post(f"{API}/tokens", json=wrong)
            assert statuses == [422, 422]
            assert limited.status_code == 429
            assert int(limited.headers["retry-after"]) >= 1
            assert list(limited.json()) == ["error"]


async def test_goncord_is_only_mounted_when_chosen(make_settings: Callable[..., Settings]) -> None:
    async for app in running_app(make_settings(dialects="discordapi")):
        async with asgi_client(app) as client:
            assert (await client.get(f"{API}/menu")).status_code == 404
