"""Schedule account API (seed 002): contract tests with the seed's own examples.

Sign-in goes through the fake VK ID, Google and Telegram Bot API servers; tokens are sent
bare in `Authorization`, as the seed shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from parley.kit.secrets import new_token
from parley.kit.time import clock
from parley.runtime import Runtime
from parley.schedule import service as schedule
from parley.settings import Settings
from tests.conftest import asgi_client, running_app
from tests.support.access import new_app
from tests.support.accounts import new_account
from tests.support.fake_providers import FAIL, GOOD, SLOW, FakeGoogle, FakeProviders

WEBHOOK = "/account/telegram/webhook"
# the seed's example profile (its `id` is the caller's own)
SEED_PROFILE: dict[str, Any] = {
    "bio": "Да это я решаю",
    "fullName": "Алеков Алек Алекович или студент 1 При-101",
    "contacts": {"tg": "t.me/oleg", "vk": "vk.com/oleg"},
    "variants": [
        {"subjectName": "Физика", "variant": 5},
        {"subjectName": "Математика", "variant": 5},
        {"subjectName": "Веб", "variant": 6},  # noqa: RUF001 - the seed
    ],
}
PROFILE_KEYS = {
    "id",
    "bio",
    "fullName",
    "avatarUrl",
    "role",
    "contacts",
    "variants",
    "publicProfile",
}


def bare(token: str) -> dict[str, str]:
    return {"Authorization": token}


def new_tg_id() -> int:
    return 10**9 + int.from_bytes(new_token(4).encode(), "big") % 10**9


def vk_user(fakes: FakeProviders, behaviour: str = GOOD) -> tuple[str, dict[str, Any]]:
    """A VK account with an id of its own: this module's fakes are not the ones
    tests/providers uses, whose ids start at 400000003 too, and both share the database."""
    user_id = 7 * 10**9 + int.from_bytes(new_token(5).encode(), "big") % 10**9
    return fakes.vk.user(behaviour, user_id=str(user_id))


def assert_error(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "message"}
    assert body["error"] == error
    assert isinstance(body["message"], str)
    assert body["message"]


async def vk_auth(client: httpx.AsyncClient, fakes: FakeProviders) -> dict[str, Any]:
    token, user = vk_user(fakes)
    response = await client.post(
        "/account/auth",
        json={
            "authMethod": "VK",
            "idToken": token,
            "fullName": None,
            "avatarUrl": None,
            "externalUserId": int(user["user_id"]),
        },
    )
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


async def me(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    response = await client.get("/account/profile", headers=bare(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def versions(client: httpx.AsyncClient, token: str) -> dict[str, int]:
    response = await client.get("/account/dataVersions", headers=bare(token))
    assert response.status_code == 200, response.text
    body: dict[str, int] = response.json()
    return body


# --- account/auth: VK -----------------------------------------------------------------------


async def test_vk_sign_in_with_the_seed_body_gives_the_tokens_and_the_user_id(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    token, user = vk_user(fakes)
    body = {
        "authMethod": "VK",
        "idToken": token,
        "fullName": "OLEG ALO",
        "avatarUrl": None,
        "externalUserId": int(user["user_id"]),
    }
    response = await pclient.post("/account/auth", json=body)
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert list(tokens) == ["accessToken", "refreshToken", "userId"]
    profile = await me(pclient, tokens["accessToken"])
    assert tokens["userId"] == profile["id"]
    assert set(profile) == PROFILE_KEYS
    assert profile["fullName"] == "Елисей В."  # noqa: RUF001 - the provider's name wins
    assert profile["role"] == "STUDENT"
    assert (profile["bio"], profile["variants"]) == ("", [])
    assert profile["contacts"] == {"tg": None, "vk": None}
    assert profile["publicProfile"] is True
    assert profile["avatarUrl"].startswith("http://testserver/media/")  # VK's picture, stored
    # signing in again (with the id as a string, and a trailing slash) is the same account
    again = await pclient.post("/account/auth/", json={**body, "externalUserId": user["user_id"]})
    assert again.status_code == 200, again.text
    assert (await me(pclient, again.json()["accessToken"]))["id"] == profile["id"]


async def test_vk_error_answered_with_200_is_403(pclient: httpx.AsyncClient) -> None:
    # the seed's VK error body: {"error": "invalid_request", "error_description": ...}
    response = await pclient.post(
        "/account/auth",
        json={"authMethod": "VK", "idToken": "vk2.a.forged", "externalUserId": 43141},
    )
    assert_error(response, 403, "provider_rejected")


async def test_claiming_another_vk_user_id_is_403(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    token, user = vk_user(fakes)
    response = await pclient.post(
        "/account/auth",
        json={"authMethod": "VK", "idToken": token, "externalUserId": int(user["user_id"]) + 1},
    )
    assert_error(response, 403, "identity_mismatch")


async def test_vk_down_is_502(pclient: httpx.AsyncClient, fakes: FakeProviders) -> None:
    token, user = vk_user(fakes, FAIL)
    response = await pclient.post(
        "/account/auth",
        json={"authMethod": "VK", "idToken": token, "externalUserId": user["user_id"]},
    )
    assert_error(response, 502, "provider_unavailable")


async def test_vk_too_slow_is_504(slow_client: httpx.AsyncClient, fakes: FakeProviders) -> None:
    token, user = vk_user(fakes, SLOW)
    response = await slow_client.post(
        "/account/auth",
        json={"authMethod": "VK", "idToken": token, "externalUserId": user["user_id"]},
    )
    assert_error(response, 504, "provider_timeout")


# --- account/auth: Google -------------------------------------------------------------------


async def test_google_id_token_signs_in_and_a_wrong_sub_is_403(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    token, sub = fakes.google.token()
    response = await pclient.post(
        "/account/auth",
        json={"authMethod": "GOOGLE", "idToken": token, "externalUserId": sub},
    )
    assert response.status_code == 200, response.text
    assert (await me(pclient, response.json()["accessToken"]))["fullName"] == "Gina Google"
    other, _ = fakes.google.token()
    response = await pclient.post(
        "/account/auth",
        json={"authMethod": "GOOGLE", "idToken": other, "externalUserId": sub},
    )
    assert_error(response, 403, "identity_mismatch")


async def test_google_token_for_another_client_is_403(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    token, sub = fakes.google.token(aud="someone-else.apps.googleusercontent.com")
    response = await pclient.post(
        "/account/auth",
        json={"authMethod": "GOOGLE", "idToken": token, "externalUserId": sub},
    )
    assert_error(response, 403, "provider_rejected")


async def test_google_certificates_down_is_502_and_slow_is_504(
    own_google: FakeGoogle, google_app: Callable[..., Any]
) -> None:
    token, sub = own_google.token()
    body = {"authMethod": "GOOGLE", "idToken": token, "externalUserId": sub}
    own_google.behaviour = FAIL
    async with google_app() as (client, _rt):
        assert_error(await client.post("/account/auth", json=body), 502, "provider_unavailable")
    own_google.behaviour = SLOW
    async with google_app(provider_timeout_seconds=0.2) as (client, _rt):
        assert_error(await client.post("/account/auth", json=body), 504, "provider_timeout")


# --- account/auth: Telegram through the bot -------------------------------------------------


async def test_telegram_bot_code_then_auth_once(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    tg_id, code = new_tg_id(), new_token(24)
    update = fakes.telegram.update(tg_id, f"/start {code}")
    secret = {"X-Telegram-Bot-Api-Secret-Token": fakes.webhook_secret}
    response = await pclient.post(WEBHOOK, json=update, headers=secret)
    assert response.status_code == 200, response.text
    assert response.json() == {"ok": True}
    assert fakes.telegram.messages_to(tg_id) == ["Done! Return to the app to finish signing in."]
    # the seed's second request: only authMethod and idToken
    response = await pclient.post("/account/auth", json={"authMethod": "TG", "idToken": code})
    assert response.status_code == 200, response.text
    profile = await me(pclient, response.json()["accessToken"])
    assert profile["fullName"] == "Tanya Telegina"
    assert profile["role"] == "STUDENT"
    # the code is deleted on use
    again = await pclient.post("/account/auth", json={"authMethod": "TG", "idToken": code})
    assert_error(again, 403, "provider_rejected")


async def test_telegram_code_expires_after_five_minutes(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    tg_id, code = new_tg_id(), new_token(24)
    secret = {"X-Telegram-Bot-Api-Secret-Token": fakes.webhook_secret}
    update = fakes.telegram.update(tg_id, f"/start {code}")
    assert (await pclient.post(f"{WEBHOOK}/", json=update, headers=secret)).status_code == 200
    clock.advance(301)
    response = await pclient.post("/account/auth", json={"authMethod": "TG", "idToken": code})
    assert_error(response, 403, "provider_rejected")


async def test_webhook_without_the_secret_is_403(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    tg_id, code = new_tg_id(), new_token(24)
    update = fakes.telegram.update(tg_id, f"/start {code}")
    response = await pclient.post(WEBHOOK, json=update)
    assert_error(response, 403, "forbidden")
    wrong = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
    assert_error(await pclient.post(WEBHOOK, json=update, headers=wrong), 403, "forbidden")
    response = await pclient.post("/account/auth", json={"authMethod": "TG", "idToken": code})
    assert_error(response, 403, "provider_rejected")


# --- bad bodies -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"idToken": "x", "externalUserId": 1},
        {"authMethod": "VK", "externalUserId": 1},
        {"authMethod": "VK", "idToken": "x", "externalUserId": [1]},
        {"authMethod": "VK", "idToken": "x", "externalUserId": -1},
        {"authMethod": "VK", "idToken": "x", "fullName": "x" * 201, "externalUserId": 1},
        {"authMethod": "VK", "idToken": "x\x00", "externalUserId": 1},
        {"authMethod": "VK", "idToken": "x", "externalUserId": "1\x00"},
        {"authMethod": "TG", "idToken": "x", "avatarUrl": "https://\x00"},
    ],
)
async def test_bad_auth_body_is_400_in_schedule_style(
    pclient: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    assert_error(await pclient.post("/account/auth", json=body), 400, "invalid_request")


async def test_unknown_auth_method_is_400(pclient: httpx.AsyncClient) -> None:
    body = {"authMethod": "FACEBOOK", "idToken": "x", "externalUserId": 1}
    assert_error(await pclient.post("/account/auth", json=body), 400, "invalid")


async def test_malformed_json_is_400(pclient: httpx.AsyncClient) -> None:
    response = await pclient.post(
        "/account/auth", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, "malformed_json")


# --- account/refresh ------------------------------------------------------------------------


async def test_refresh_rotates_and_a_reused_token_revokes_the_session(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    first = await vk_auth(pclient, fakes)
    response = await pclient.post("/account/refresh", json={"refreshToken": first["refreshToken"]})
    assert response.status_code == 200, response.text
    second = response.json()
    assert list(second) == ["accessToken", "refreshToken"]
    assert second["refreshToken"] != first["refreshToken"]
    assert (await me(pclient, second["accessToken"]))["role"] == "STUDENT"
    clock.advance(30)  # past the grace window for concurrent refreshes
    reused = await pclient.post("/account/refresh/", json={"refreshToken": first["refreshToken"]})
    assert_error(reused, 401, "refresh_reused")
    # the whole session is gone: the new refresh token and the access token too
    response = await pclient.post("/account/refresh", json={"refreshToken": second["refreshToken"]})
    assert_error(response, 401, "unauthorized")
    dead = await pclient.get("/account/profile", headers=bare(second["accessToken"]))
    assert_error(dead, 401, "unauthorized")


async def test_a_refresh_token_spent_a_moment_ago_is_409(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    first = await vk_auth(pclient, fakes)
    body = {"refreshToken": first["refreshToken"]}
    assert (await pclient.post("/account/refresh", json=body)).status_code == 200
    assert_error(await pclient.post("/account/refresh", json=body), 409, "refresh_in_progress")


async def test_unknown_or_missing_refresh_token(pclient: httpx.AsyncClient) -> None:
    response = await pclient.post("/account/refresh", json={"refreshToken": "nope"})
    assert_error(response, 401, "unauthorized")
    response = await pclient.post("/account/refresh", json={"refreshToken": "no\x00pe"})
    assert_error(response, 400, "invalid_request")
    assert_error(await pclient.post("/account/refresh", json={}), 400, "invalid_request")


# --- account/profile ------------------------------------------------------------------------


async def test_profile_needs_a_valid_token(pclient: httpx.AsyncClient) -> None:
    assert_error(await pclient.get("/account/profile"), 401, "unauthorized")
    assert_error(
        await pclient.get("/account/profile", headers=bare("eyJ.bad")), 401, "unauthorized"
    )
    response = await pclient.put("/account/profile", json={"bio": "x"})
    assert_error(response, 401, "unauthorized")
    assert_error(await pclient.get("/account/dataVersions"), 401, "unauthorized")


async def test_seed_profile_put_then_read_bare_and_bearer(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    tokens = await vk_auth(pclient, fakes)
    token = tokens["accessToken"]
    before = await versions(pclient, token)
    own = await me(pclient, token)
    response = await pclient.put("/account/profile", json=SEED_PROFILE, headers=bare(token))
    assert response.status_code == 200, response.text
    expected = {
        "id": own["id"],
        "role": "STUDENT",
        "avatarUrl": own["avatarUrl"],
        "publicProfile": True,
        **SEED_PROFILE,
    }
    assert response.json() == expected
    assert await me(pclient, token) == expected
    bearer = await pclient.get("/account/profile/", headers={"Authorization": f"Bearer {token}"})
    assert bearer.json() == expected
    after = await versions(pclient, token)
    assert after["profileVersion"] > before["profileVersion"]
    assert after["scheduleVersion"] == before["scheduleVersion"]
    # fields left out stay; a PUT of what was read (with id and role) changes nothing
    response = await pclient.put("/account/profile", json={"bio": "Новое"}, headers=bare(token))
    assert response.json() == {**expected, "bio": "Новое"}
    response = await pclient.put(
        f"/account/profile?userId={own['id']}", json=response.json(), headers=bare(token)
    )
    assert response.status_code == 200, response.text
    assert response.json()["variants"] == SEED_PROFILE["variants"]


async def test_another_users_profile_is_readable_by_user_id(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    owner = await vk_auth(pclient, fakes)
    token = owner["accessToken"]
    await pclient.put("/account/profile", json=SEED_PROFILE, headers=bare(token))
    owner_id = (await me(pclient, token))["id"]
    reader = await new_account(pclient)
    response = await pclient.get(
        f"/account/profile?userId={owner_id}", headers=bare(reader.access_token)
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "id": owner_id,
        "role": "STUDENT",
        "avatarUrl": response.json()["avatarUrl"],
        "publicProfile": True,
        **SEED_PROFILE,
    }


async def test_nobody_writes_another_users_profile(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    owner = await vk_auth(pclient, fakes)
    owner_profile = await me(pclient, owner["accessToken"])
    intruder = await new_account(pclient)
    headers = bare(intruder.access_token)
    body = {"id": owner_profile["id"], "bio": "взлом"}
    assert_error(
        await pclient.put("/account/profile", json=body, headers=headers), 403, "not_your_profile"
    )
    response = await pclient.put(
        f"/account/profile?userId={owner_profile['id']}", json={"bio": "взлом"}, headers=headers
    )
    assert_error(response, 403, "not_your_profile")
    assert await me(pclient, owner["accessToken"]) == owner_profile


async def test_unknown_user_id_is_404_and_bad_ids_are_400(pclient: httpx.AsyncClient) -> None:
    caller = await new_account(pclient)
    headers = bare(caller.access_token)
    response = await pclient.get(f"/account/profile?userId={2**62}", headers=headers)
    assert_error(response, 404, "not_found")
    for bad in ("0", "abc", str(2**63)):
        response = await pclient.get(f"/account/profile?userId={bad}", headers=headers)
        assert_error(response, 400, "invalid_request")


async def test_users_cannot_change_their_own_role(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    token = (await vk_auth(pclient, fakes))["accessToken"]
    before = await versions(pclient, token)
    for role in ("DEV", "AWARDED", "ADMIN"):
        body = {**SEED_PROFILE, "role": role}
        response = await pclient.put("/account/profile", json=body, headers=bare(token))
        assert_error(response, 403, "role_change_forbidden")
    profile = await me(pclient, token)
    assert profile["role"] == "STUDENT"
    assert profile["bio"] == ""  # the refused request changed nothing
    assert await versions(pclient, token) == before


@pytest.mark.parametrize(
    "body",
    [
        {"variants": [{"subjectName": "Физика", "variant": "пять"}]},
        {"variants": [{"subjectName": "Физика"}]},
        {"variants": [{"subjectName": "Физика", "variant": 5}] * 2},
        {"variants": [{"subjectName": " ", "variant": 5}]},
        {"variants": [{"subjectName": f"s{i}", "variant": 1} for i in range(51)]},
        {"contacts": {"tg": 5}},
        {"contacts": ["t.me/oleg"]},
        {"bio": "x" * 4001},
        {"fullName": ["OLEG"]},
        {"bio": "a\x00b"},
        {"fullName": "\x00"},
        {"contacts": {"tg": "t.me/\x00"}},
        {"contacts": {"t\x00g": "t.me/oleg"}},
        {"variants": [{"subjectName": "Physics\x00", "variant": 5}]},
    ],
)
async def test_bad_profile_bodies_are_400(pclient: httpx.AsyncClient, body: dict[str, Any]) -> None:
    caller = await new_account(pclient)
    response = await pclient.put("/account/profile", json=body, headers=bare(caller.access_token))
    assert response.status_code == 400, response.text
    assert response.json()["error"] in {"invalid_request", "invalid"}
    assert set(response.json()) == {"error", "message"}


async def test_variant_errors_name_the_field(pclient: httpx.AsyncClient) -> None:
    caller = await new_account(pclient)
    body = {"variants": [{"subjectName": "Физика", "variant": "пять"}]}
    response = await pclient.put("/account/profile", json=body, headers=bare(caller.access_token))
    assert_error(response, 400, "invalid_request")
    assert response.json()["message"].startswith("variants.0.variant")


# --- the role is the Schedule app's data: a super app sets it natively -------------------------


async def test_super_app_sets_the_role_through_the_native_payload_api(
    pclient: httpx.AsyncClient, fakes: FakeProviders, rt: Runtime
) -> None:
    token = (await vk_auth(pclient, fakes))["accessToken"]
    user_id = (await me(pclient, token))["id"]
    async with rt.db.unit_of_work() as session:
        app = await schedule.schedule_app(session, create=True, settings=rt.settings)
        assert app is not None
        assert app.url == rt.settings.schedule_app_url
    admin = await new_app(rt, is_super=True)
    payload = {"role": "DEV", "variants": [{"subjectName": "Веб", "variant": 6}]}  # noqa: RUF001
    response = await pclient.put(
        f"/v1/apps/{app.id}/payloads/{user_id}", json=payload, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    profile = await me(pclient, token)
    assert (profile["role"], profile["variants"]) == ("DEV", payload["variants"])
    # the user's own change of variants keeps the role the super app gave
    body = {"variants": SEED_PROFILE["variants"], "role": "DEV"}
    response = await pclient.put("/account/profile", json=body, headers=bare(token))
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "DEV"
    stored = await pclient.get(f"/v1/apps/{app.id}/payloads/{user_id}", headers=admin.headers)
    assert stored.json() == {"role": "DEV", "variants": SEED_PROFILE["variants"]}
    # the user cannot step down to STUDENT either
    body = {"role": "STUDENT"}
    response = await pclient.put("/account/profile", json=body, headers=bare(token))
    assert_error(response, 403, "role_change_forbidden")


# --- account/dataVersions and the native API --------------------------------------------------


async def test_data_versions_follow_native_bumps(
    pclient: httpx.AsyncClient, fakes: FakeProviders, rt: Runtime
) -> None:
    token = (await vk_auth(pclient, fakes))["accessToken"]
    before = await versions(pclient, token)
    assert set(before) == {"scheduleVersion", "profileVersion"}
    admin = await new_app(rt, is_super=True)
    bumped = await pclient.post("/v1/data-versions/schedule/bump", headers=admin.headers)
    assert bumped.status_code == 200, bumped.text
    after = await versions(pclient, token)
    assert after["scheduleVersion"] > before["scheduleVersion"]
    assert after["scheduleVersion"] == bumped.json()["schedule_version"]


async def test_a_schedule_user_is_a_native_user(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    token = (await vk_auth(pclient, fakes))["accessToken"]
    await pclient.put("/account/profile", json=SEED_PROFILE, headers=bare(token))
    profile = await me(pclient, token)
    native_before = await pclient.get("/v1/data-versions", headers=bare(token))
    assert native_before.status_code == 200, native_before.text
    await pclient.put("/account/profile", json={"bio": "ещё"}, headers=bare(token))
    native_after = await pclient.get("/v1/data-versions", headers=bare(token))
    assert native_after.json()["profile_version"] > native_before.json()["profile_version"]
    assert (
        native_after.json()["profile_version"] == (await versions(pclient, token))["profileVersion"]
    )
    other = await new_account(pclient)
    seen = await pclient.get(f"/v1/users/{profile['id']}", headers=other.headers)
    assert seen.status_code == 200, seen.text
    assert seen.json()["id"] == profile["id"]
    own = await pclient.get("/v1/users/me/profile", headers=bare(token))
    assert own.status_code == 200, own.text
    assert own.json()["bio"] == "ещё"
    assert own.json()["display_name"] == SEED_PROFILE["fullName"]
    assert own.json()["contacts"] == SEED_PROFILE["contacts"]


async def test_a_native_profile_change_bumps_the_schedule_profile_version(
    pclient: httpx.AsyncClient,
) -> None:
    caller = await new_account(pclient)
    before = await versions(pclient, caller.access_token)
    response = await pclient.patch("/v1/users/me", json={"bio": "native"}, headers=caller.headers)
    assert response.status_code == 200, response.text
    after = await versions(pclient, caller.access_token)
    assert after["profileVersion"] > before["profileVersion"]
    assert (await me(pclient, caller.access_token))["bio"] == "native"


# --- the Android client (Injent/compass-android) -------------------------------------------


async def test_the_android_clients_vk_sign_in_body_and_path(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    # ExternalAuthRequest: authMethod, authCode, fullName, avatarUrl; no externalUserId
    token, _ = vk_user(fakes)
    body = {"authMethod": "VK", "authCode": token, "fullName": "Oleg", "avatarUrl": None}
    for path in ("/auth", "/account/auth"):
        response = await pclient.post(path, json=body)
        assert response.status_code == 200, response.text
        credentials = response.json()
        assert set(credentials) == {"accessToken", "refreshToken", "userId"}
        assert isinstance(credentials["userId"], int)
    profile = await me(pclient, credentials["accessToken"])
    assert profile["id"] == credentials["userId"]


async def test_telegram_is_accepted_for_tg(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    tg_id, code = new_tg_id(), new_token(24)
    secret = {"X-Telegram-Bot-Api-Secret-Token": fakes.webhook_secret}
    update = fakes.telegram.update(tg_id, f"/start {code}")
    assert (await pclient.post(WEBHOOK, json=update, headers=secret)).status_code == 200
    response = await pclient.post(
        "/auth", json={"authMethod": "TELEGRAM", "authCode": code, "fullName": "T"}
    )
    assert response.status_code == 200, response.text
    assert (await me(pclient, response.json()["accessToken"]))["fullName"] == "Tanya Telegina"


async def test_a_google_sub_wider_than_64_bits_as_a_json_number(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    token, sub = fakes.google.token()
    assert int(sub) > 2**63  # 21 digits
    raw = f'{{"authMethod": "GOOGLE", "idToken": "{token}", "externalUserId": {sub}}}'
    response = await pclient.post(
        "/account/auth", content=raw.encode(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text
    other, _ = fakes.google.token()
    wrong = f'{{"authMethod": "GOOGLE", "idToken": "{other}", "externalUserId": {sub}}}'
    refused = await pclient.post(
        "/account/auth", content=wrong.encode(), headers={"Content-Type": "application/json"}
    )
    assert_error(refused, 403, "identity_mismatch")
    without = await pclient.post("/account/auth", json={"authMethod": "GOOGLE", "idToken": other})
    assert without.status_code == 200, without.text


async def test_refresh_by_get_as_the_android_client_calls_it(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    first = await vk_auth(pclient, fakes)
    response = await pclient.get("/refreshToken", params={"refreshToken": first["refreshToken"]})
    assert response.status_code == 200, response.text
    second = response.json()
    assert list(second) == ["accessToken", "refreshToken"]
    assert (await me(pclient, second["accessToken"]))["role"] == "STUDENT"
    clock.advance(30)
    reused = await pclient.get("/refreshToken/", params={"refreshToken": first["refreshToken"]})
    assert_error(reused, 401, "refresh_reused")
    assert_error(await pclient.get("/refreshToken"), 400, "invalid_request")


async def test_the_android_clients_profile_round_trip(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    token = (await vk_auth(pclient, fakes))["accessToken"]
    profile = await me(pclient, token)
    # NetworkUserProfile as the client sends it back: a null contact, publicProfile false
    sent = {**profile, "contacts": {"tg": "t.me/oleg", "vk": None}, "publicProfile": False}
    response = await pclient.put("/account/profile", json=sent, headers=bare(token))
    assert response.status_code == 200, response.text
    assert response.json()["contacts"] == {"tg": "t.me/oleg", "vk": None}
    assert response.json()["publicProfile"] is False
    assert (await me(pclient, token))["publicProfile"] is False
    assert_error(
        await pclient.put("/account/profile", json={"publicProfile": "no"}, headers=bare(token)),
        400,
        "invalid_request",
    )


async def test_the_default_role_is_a_setting(
    fakes: FakeProviders, make_settings: Callable[..., Settings]
) -> None:
    settings = fakes.settings(make_settings, schedule_default_role="GUEST")
    async for app in running_app(settings):
        async with asgi_client(app) as client:
            token = (await vk_auth(client, fakes))["accessToken"]
            assert (await me(client, token))["role"] == "GUEST"
