"""Telegram: the bot deep-link flow through the webhook, and Login Widget data."""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

import httpx
import pytest

from parley.kit.secrets import new_token
from parley.kit.time import clock
from parley.models import TelegramLoginCode
from parley.runtime import Runtime
from tests.providers.conftest import count_rows
from tests.support.fake_providers import FAIL, SLOW, FakeProviders

WEBHOOK = "/v1/auth/providers/telegram/webhook"


def new_tg_id() -> int:
    return 10**9 + int.from_bytes(new_token(4).encode(), "big") % 10**9


def new_code() -> str:
    return new_token(24)


async def start(
    client: httpx.AsyncClient, fakes: FakeProviders, user_id: int, text: str, **sender: Any
) -> httpx.Response:
    return await client.post(
        WEBHOOK,
        json=fakes.telegram.update(user_id, text, **sender),
        headers={"X-Telegram-Bot-Api-Secret-Token": fakes.webhook_secret},
    )


async def sign_in(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post("/v1/auth/providers/telegram/sign-in", json=body)


async def test_start_code_then_sign_in_once(
    pclient: httpx.AsyncClient, fakes: FakeProviders, rt: Runtime
) -> None:
    tg_id, code = new_tg_id(), new_code()
    response = await start(pclient, fakes, tg_id, f"/start {code}")
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert fakes.telegram.messages_to(tg_id) == ["Done! Return to the app to finish signing in."]
    # only the hash is stored
    stored = hashlib.sha256(code.encode()).hexdigest()
    assert await count_rows(rt, TelegramLoginCode, TelegramLoginCode.code_hash == stored) == 1

    first = await sign_in(pclient, token=code)
    assert first.status_code == 200, first.text
    user = first.json()["user"]
    assert user["display_name"] == "Tanya Telegina"
    assert user["username"] == f"tanya{tg_id}"
    assert await count_rows(rt, TelegramLoginCode, TelegramLoginCode.code_hash == stored) == 0

    reused = await sign_in(pclient, token=code)
    assert reused.status_code == 403
    assert reused.json()["error"]["reason"] == "unknown_code"

    code2 = new_code()
    await start(pclient, fakes, tg_id, f"/start {code2}")
    assert (await sign_in(pclient, token=code2)).json()["user"]["id"] == user["id"]


async def test_codes_expire_after_five_minutes(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    code = new_code()
    await start(pclient, fakes, new_tg_id(), f"/start {code}")
    clock.advance(301)
    assert (await sign_in(pclient, token=code)).status_code == 403


@pytest.mark.parametrize("secret", [None, "wrong-secret", ""])
async def test_webhook_needs_the_secret_header(
    pclient: httpx.AsyncClient, fakes: FakeProviders, rt: Runtime, secret: str | None
) -> None:
    code = new_code()
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    response = await pclient.post(
        WEBHOOK, json=fakes.telegram.update(new_tg_id(), f"/start {code}"), headers=headers
    )
    assert response.status_code == 403
    stored = hashlib.sha256(code.encode()).hexdigest()
    assert await count_rows(rt, TelegramLoginCode, TelegramLoginCode.code_hash == stored) == 0


async def test_webhook_is_closed_when_no_secret_is_configured(
    client: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    response = await client.post(
        WEBHOOK,
        json=fakes.telegram.update(new_tg_id(), f"/start {new_code()}"),
        headers={"X-Telegram-Bot-Api-Secret-Token": ""},
    )
    assert response.status_code == 403


async def test_someone_elses_code_is_not_taken_over(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    owner, intruder, code = new_tg_id(), new_tg_id(), new_code()
    await start(pclient, fakes, owner, f"/start {code}")
    await start(pclient, fakes, intruder, f"/start {code}", first_name="Mallory")
    assert "already used" in fakes.telegram.messages_to(intruder)[-1]
    user = (await sign_in(pclient, token=code)).json()["user"]
    assert user["username"] == f"tanya{owner}"


@pytest.mark.parametrize("text", ["/start", "/start short", "/start bad code with spaces", "hello"])
async def test_other_messages_get_a_hint_and_store_nothing(
    pclient: httpx.AsyncClient, fakes: FakeProviders, text: str
) -> None:
    tg_id = new_tg_id()
    response = await start(pclient, fakes, tg_id, text)
    assert response.status_code == 200
    assert len(fakes.telegram.messages_to(tg_id)) == 1


async def test_updates_without_a_message_are_acknowledged(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": fakes.webhook_secret}
    for update in ({"update_id": 1}, {"update_id": 2, "message": {"text": "/start x"}}):
        response = await pclient.post(WEBHOOK, json=update, headers=headers)
        assert response.status_code == 200
    assert (await pclient.post(WEBHOOK, content=b"[", headers=headers)).status_code == 422


async def test_profile_photo_is_looked_up(pclient: httpx.AsyncClient, fakes: FakeProviders) -> None:
    tg_id, code = new_tg_id(), new_code()
    fakes.telegram.with_photo(tg_id)
    await start(pclient, fakes, tg_id, f"/start {code}")
    assert fakes.telegram.server.requests.count("getUserProfilePhotos") >= 1
    assert "getFile" in fakes.telegram.server.requests
    assert (await sign_in(pclient, token=code)).status_code == 200


async def test_send_message_failure_does_not_fail_the_webhook(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    tg_id, code = new_tg_id(), new_code()
    fakes.telegram.behaviour[f"sendMessage:{tg_id}"] = FAIL
    assert (await start(pclient, fakes, tg_id, f"/start {code}")).status_code == 200
    assert (await sign_in(pclient, token=code)).status_code == 200


async def test_slow_photo_lookup_still_stores_the_code(
    slow_client: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    tg_id, code = new_tg_id(), new_code()
    fakes.telegram.behaviour[f"getUserProfilePhotos:{tg_id}"] = SLOW
    assert (await start(slow_client, fakes, tg_id, f"/start {code}")).status_code == 200
    assert (await sign_in(slow_client, token=code)).status_code == 200


async def test_login_widget_data_signs_in(pclient: httpx.AsyncClient, fakes: FakeProviders) -> None:
    tg_id = new_tg_id()
    response = await sign_in(pclient, widget=fakes.telegram.widget(tg_id, last_name="W"))
    assert response.status_code == 200, response.text
    assert response.json()["user"]["username"] == f"wanda{tg_id}"
    # the same Telegram account through the bot lands on the same user
    code = new_code()
    await start(pclient, fakes, tg_id, f"/start {code}")
    again = await sign_in(pclient, token=code)
    assert again.json()["user"]["id"] == response.json()["user"]["id"]


async def test_tampered_or_stale_widget_data_is_rejected(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    tg_id = new_tg_id()
    tampered = fakes.telegram.widget(tg_id)
    tampered["id"] = tg_id + 1
    assert (await sign_in(pclient, widget=tampered)).json()["error"]["reason"] == "hash"
    stale = fakes.telegram.widget(tg_id, auth_date=int(time.time()) - 2 * 86400)
    assert (await sign_in(pclient, widget=stale)).json()["error"]["reason"] == "expired"
    assert (await sign_in(pclient, widget={"id": 1})).status_code == 422


async def test_deep_link_from_the_authorize_url(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    data = (await pclient.get("/v1/auth/providers/telegram/authorize-url")).json()
    assert data["url"] == f"https://t.me/parley_test_bot?start={data['code']}"
    tg_id = new_tg_id()
    await start(pclient, fakes, tg_id, f"/start {data['code']}")
    assert (await sign_in(pclient, token=data["code"])).status_code == 200


async def test_an_expired_code_can_be_started_again(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    first, second, code = new_tg_id(), new_tg_id(), new_code()
    await start(pclient, fakes, first, f"/start {code}")
    clock.advance(301)
    await start(pclient, fakes, first, f"/start {code}")
    clock.advance(301)
    await start(pclient, fakes, second, f"/start {code}")
    assert fakes.telegram.messages_to(second) == ["Done! Return to the app to finish signing in."]
    user = (await sign_in(pclient, token=code)).json()["user"]
    assert user["username"] == f"tanya{second}"


async def test_the_bot_token_never_reaches_the_logs(
    pclient: httpx.AsyncClient, fakes: FakeProviders, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tg_id, code = new_tg_id(), new_code()
    fakes.telegram.with_photo(tg_id)
    fakes.telegram.behaviour[f"sendMessage:{tg_id}"] = FAIL
    await start(pclient, fakes, tg_id, f"/start {code}")
    await sign_in(pclient, token=code)
    assert caplog.records
    assert all(fakes.telegram.bot_token not in r.getMessage() for r in caplog.records)
    assert all(fakes.telegram.bot_token not in str(r.__dict__) for r in caplog.records)
