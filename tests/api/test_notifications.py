"""Push notifications: subscriptions, mutes and settings through the native API, and
delivery to a local Web Push service and a local fake FCM, over real HTTP."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from parley.settings import Settings
from parley.testing.fake_push import Browser, FakePush, b64
from tests.conftest import asgi_client, running_app
from tests.support.access import new_app
from tests.support.accounts import Account, new_account
from tests.support.gateway import Gateway, InProcessServer
from tests.support.social import befriend, open_dm, send

VAPID_KEY = b64(bytes(range(1, 33)))  # a valid P-256 private number


@pytest.fixture(scope="module")
def fake_push(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakePush]:
    fake = FakePush(tmp_path_factory.mktemp("push"))
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
async def push_app(
    fake_push: FakePush, make_settings: Callable[..., Settings]
) -> AsyncIterator[FastAPI]:
    settings = make_settings(
        vapid_private_key=VAPID_KEY,
        fcm_credentials_file=fake_push.credentials,
        fcm_url=fake_push.url,
        push_retry_seconds=0.01,
    )
    async for app in running_app(settings):
        yield app


@pytest.fixture
async def pclient(push_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(push_app) as client:
        yield client


async def subscribe_browser(
    client: httpx.AsyncClient, fake: FakePush, who: Account, name: str
) -> tuple[Browser, dict]:
    browser = Browser()
    response = await client.post(
        "/v1/push/subscriptions",
        json={
            "kind": "webpush",
            "endpoint": f"{fake.url}/push/{name}",
            "keys": {"p256dh": browser.p256dh, "auth": b64(browser.auth)},
        },
        headers=who.headers,
    )
    assert response.status_code == 201, response.text
    return browser, response.json()


async def subscribe_phone(client: httpx.AsyncClient, who: Account, token: str) -> dict:
    response = await client.post(
        "/v1/push/subscriptions", json={"kind": "fcm", "endpoint": token}, headers=who.headers
    )
    assert response.status_code == 201, response.text
    body: dict = response.json()
    return body


async def eventually(check: Callable[[], bool], within: float = 5.0) -> bool:
    for _ in range(int(within / 0.02)):
        if check():
            return True
        await asyncio.sleep(0.02)
    return False


def webpush_to(fake: FakePush, name: str) -> list[tuple[str, dict[str, str], bytes]]:
    return [p for p in fake.webpush if p[0] == name]


def fcm_to(fake: FakePush, token: str) -> list[dict]:
    return [m for m in fake.fcm if m.get("token") == token]


async def test_an_offline_user_gets_a_web_push_and_an_fcm_push_for_a_direct_message(
    pclient: httpx.AsyncClient, fake_push: FakePush
) -> None:
    alice = await new_account(pclient, "alice")
    bob = await new_account(pclient, "bob")
    name, token = f"ok-{bob.id}", f"tok-{bob.id}"
    browser, _ = await subscribe_browser(pclient, fake_push, bob, name)
    await subscribe_phone(pclient, bob, token)
    channel_id = await open_dm(pclient, alice, bob)
    message = await send(pclient, alice, channel_id, "are you there?")
    assert await eventually(lambda: bool(webpush_to(fake_push, name) and fcm_to(fake_push, token)))
    _, headers, body = webpush_to(fake_push, name)[0]
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["authorization"].startswith("vapid t=")
    assert browser.decrypt(body) == {
        "type": "message",
        "channel_id": channel_id,
        "message_id": message["id"],
        "author_id": alice.id,
        "author_name": alice.username,
        "text": "are you there?",
    }
    # FCM data is readable by Google: ids only
    assert fcm_to(fake_push, token)[0]["data"] == {
        "type": "message",
        "channel_id": str(channel_id),
        "message_id": str(message["id"]),
        "author_id": str(alice.id),
    }
    # the author is not pushed about their own message
    assert not webpush_to(fake_push, f"ok-{alice.id}")


async def test_a_web_push_from_an_encrypted_channel_carries_no_text(
    pclient: httpx.AsyncClient, fake_push: FakePush
) -> None:
    alice = await new_account(pclient, "alice")
    bob = await new_account(pclient, "bob")
    name = f"ok-{bob.id}"
    browser, _ = await subscribe_browser(pclient, fake_push, bob, name)
    await befriend(pclient, alice, bob)
    keys = {str(alice.id): "a2V5", str(bob.id): "a2V5"}
    channel_id = await open_dm(pclient, alice, bob, encrypted_keys=keys)
    await send(pclient, alice, channel_id, "c2VhbGVk")
    assert await eventually(lambda: bool(webpush_to(fake_push, name)))
    pushed = browser.decrypt(webpush_to(fake_push, name)[0][2])
    assert (pushed["author_name"], pushed["text"]) == (alice.username, None)


async def test_mutes_settings_and_group_messages_without_mention_send_nothing(
    pclient: httpx.AsyncClient, fake_push: FakePush
) -> None:
    alice = await new_account(pclient, "alice")
    bob = await new_account(pclient, "bob")
    token = f"tok-{bob.id}"
    await subscribe_phone(pclient, bob, token)
    await befriend(pclient, alice, bob)
    group = await pclient.post(
        "/v1/channels", json={"name": "g", "member_ids": [bob.id]}, headers=alice.headers
    )
    group_id = group.json()["id"]
    await send(pclient, alice, group_id, "no mention here")
    await send(pclient, alice, group_id, f"hey @{bob.username}")
    assert await eventually(lambda: len(fcm_to(fake_push, token)) == 1)
    assert fcm_to(fake_push, token)[0]["data"]["type"] == "mention"
    muted = await pclient.put(
        f"/v1/channels/{group_id}/mute", json={"muted": True}, headers=bob.headers
    )
    assert muted.json() == {"muted": True}
    assert (await pclient.get(f"/v1/channels/{group_id}/mute", headers=bob.headers)).json() == {
        "muted": True
    }
    await send(pclient, alice, group_id, f"muted @{bob.username}")
    dm = await open_dm(pclient, alice, bob)
    off = await pclient.put(
        "/v1/users/me/notification-settings", json={"push_enabled": False}, headers=bob.headers
    )
    assert off.json() == {"push_enabled": False}
    await send(pclient, alice, dm, "pushes are off")
    await asyncio.sleep(0.5)
    assert len(fcm_to(fake_push, token)) == 1


async def test_a_connected_user_gets_no_push(
    push_app: FastAPI, pclient: httpx.AsyncClient, fake_push: FakePush
) -> None:
    alice = await new_account(pclient, "alice")
    bob = await new_account(pclient, "bob")
    token = f"tok-{bob.id}"
    await subscribe_phone(pclient, bob, token)
    channel_id = await open_dm(pclient, alice, bob)
    server = InProcessServer(push_app)
    await server.start()
    try:
        gw = await Gateway.open(server.ws_url)
        await gw.identify(bob.access_token)
        await send(pclient, alice, channel_id, "you are online")
        assert (await gw.dispatch())["t"] == "MESSAGE_CREATE"
        await asyncio.sleep(0.5)
        assert fcm_to(fake_push, token) == []
        await gw.close()
    finally:
        await server.stop()


async def test_expired_subscriptions_are_dropped_and_failures_retried(
    pclient: httpx.AsyncClient, fake_push: FakePush
) -> None:
    alice = await new_account(pclient, "alice")
    bob = await new_account(pclient, "bob")
    await subscribe_browser(pclient, fake_push, bob, f"gone-{bob.id}")
    await subscribe_phone(pclient, bob, f"gone-{bob.id}")
    flaky = f"flaky-{bob.id}"
    await subscribe_phone(pclient, bob, flaky)
    channel_id = await open_dm(pclient, alice, bob)
    await send(pclient, alice, channel_id, "hello")
    assert await eventually(lambda: bool(fcm_to(fake_push, flaky)))  # after one 503

    async def left() -> list[str]:
        found = await pclient.get("/v1/push/subscriptions", headers=bob.headers)
        return [s["endpoint"] for s in found.json()]

    for _ in range(100):
        if await left() == [flaky]:
            break
        await asyncio.sleep(0.05)
    assert await left() == [flaky]


async def test_a_schedule_version_bump_pushes_the_schedule_topic(
    push_app: FastAPI, pclient: httpx.AsyncClient, fake_push: FakePush
) -> None:
    boss = await new_app(push_app.state.runtime, is_super=True)
    bumped = await pclient.post("/v1/data-versions/schedule/bump", headers=boss.headers)
    assert bumped.status_code == 200, bumped.text
    version = str(bumped.json()["schedule_version"])

    def topic_pushed() -> bool:
        return any(
            m.get("topic") == "schedule" and m["data"] == {"scheduleVersion": version}
            for m in fake_push.fcm
        )

    assert await eventually(topic_pushed)


async def test_subscription_endpoints(
    pclient: httpx.AsyncClient, fake_push: FakePush, tmp_path: Path
) -> None:
    alice = await new_account(pclient, "alice")
    bob = await new_account(pclient, "bob")
    _, created = await subscribe_browser(pclient, fake_push, alice, f"ok-{alice.id}")
    again = await subscribe_browser(pclient, fake_push, alice, f"ok-{alice.id}")
    assert again[1]["id"] == created["id"]  # the same endpoint refreshes
    assert len((await pclient.get("/v1/push/subscriptions", headers=alice.headers)).json()) == 1
    assert (await pclient.get("/v1/push/subscriptions", headers=bob.headers)).json() == []
    url = f"/v1/push/subscriptions/{created['id']}"
    assert (await pclient.delete(url, headers=bob.headers)).status_code == 404
    assert (await pclient.delete(url)).status_code == 401
    assert (await pclient.delete(url, headers=alice.headers)).status_code == 204
    assert (await pclient.delete(url, headers=alice.headers)).status_code == 404
    for bad in (
        {"kind": "webpush", "endpoint": "https://push.example.com/x"},
        {"kind": "webpush", "endpoint": "ftp://x", "keys": {"p256dh": "AAAA", "auth": "AAAA"}},
        {"kind": "webpush", "endpoint": "https://p/x", "keys": {"p256dh": "!!", "auth": "AA"}},
        {"kind": "sms", "endpoint": "x"},
        {"kind": "fcm", "endpoint": ""},
    ):
        response = await pclient.post("/v1/push/subscriptions", json=bad, headers=alice.headers)
        assert response.status_code in (400, 422), bad
    key = (await pclient.get("/v1/push/vapid-key")).json()["public_key"]
    assert len(base64.urlsafe_b64decode(key + "==")) == 65
    channel_id = await open_dm(pclient, alice, bob)
    outsider = await new_account(pclient, "outsider")
    assert (
        await pclient.put(
            f"/v1/channels/{channel_id}/mute", json={"muted": True}, headers=outsider.headers
        )
    ).status_code == 404
    assert (await pclient.get("/v1/users/me/notification-settings")).status_code == 401
    assert (
        await pclient.get("/v1/users/me/notification-settings", headers=alice.headers)
    ).json() == {"push_enabled": True}
