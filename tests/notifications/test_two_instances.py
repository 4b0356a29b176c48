"""Two real `parley serve` processes on one PostgreSQL + Redis: both hear every send through
Redis, and an offline recipient still gets exactly one push per message on each device."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterator

import httpx
import pytest

from parley.settings import Settings
from parley.testing.fake_push import Browser, FakePush, b64
from tests.conftest import needs_postgres_and_redis
from tests.support.accounts import new_account
from tests.support.servers import ServerProcess
from tests.support.social import open_dm, send

VAPID_KEY = b64(bytes(range(1, 33)))
MESSAGES = 12


@pytest.fixture
def fake_push(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakePush]:
    fake = FakePush(tmp_path_factory.mktemp("push"))
    fake.start()
    yield fake
    fake.stop()


@needs_postgres_and_redis
async def test_an_offline_recipient_gets_one_push_per_message_from_two_instances(
    server_factory: Callable[..., ServerProcess],
    make_settings: Callable[..., Settings],
    fake_push: FakePush,
) -> None:
    settings = make_settings(
        vapid_private_key=VAPID_KEY,
        fcm_credentials_file=fake_push.credentials,
        fcm_url=fake_push.url,
        push_retry_seconds=0.05,
    )
    instances = [server_factory(settings) for _ in range(2)]
    async with (
        httpx.AsyncClient(base_url=instances[0].url, timeout=10) as first,
        httpx.AsyncClient(base_url=instances[1].url, timeout=10) as second,
    ):
        alice = await new_account(first, "dup")
        bob = await new_account(first, "dup")
        channel_id = await open_dm(first, alice, bob)
        token, name = f"phone-{bob.id}", f"browser-{bob.id}"
        browser = Browser()
        for body in (
            {"kind": "fcm", "endpoint": token},
            {
                "kind": "webpush",
                "endpoint": f"{fake_push.url}/push/{name}",
                "keys": {"p256dh": browser.p256dh, "auth": b64(browser.auth)},
            },
        ):
            subscribed = await second.post("/v1/push/subscriptions", json=body, headers=bob.headers)
            assert subscribed.status_code == 201, subscribed.text

        sent = []
        for n in range(MESSAGES):  # alternating instances
            message = await send((first, second)[n % 2], alice, channel_id, f"hello {n}")
            sent.append(int(message["id"]))

        def fcm_ids() -> Counter[int]:
            return Counter(
                int(m["data"]["message_id"]) for m in fake_push.fcm if m["token"] == token
            )

        def webpush_ids() -> Counter[int]:
            return Counter(
                int(browser.decrypt(body)["message_id"])
                for to, _, body in fake_push.webpush
                if to == name
            )

        for _ in range(250):
            if set(fcm_ids()) == set(sent) and set(webpush_ids()) == set(sent):
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(1.0)  # a duplicate from the other instance would have come by now
    assert fcm_ids() == Counter(sent)
    assert webpush_ids() == Counter(sent)
