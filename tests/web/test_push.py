"""Web Push in Chromium: the service worker at /sw.js, the settings toggle that registers it and
hands the subscription to the API, and the worker's notifications for pushes delivered over
CDP (`ServiceWorker.deliverPushMessage`).

Headless Chromium refuses `pushManager.subscribe` at once ("AbortError: Registration failed -
permission denied", with the notifications permission granted: it has no push service here,
and Chromium's own is unreachable offline anyway). So the page gets a subscription object
from a stand-in `PushManager.prototype.subscribe` holding real P-256/auth keys, and the test
checks that the client registered exactly that with the API. A notification click cannot be
made over CDP or Playwright; the page's side of it (the worker's "parley:open" message
routes the page to the channel) is checked by sending the page that message."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, CDPSession, Page, expect

from parley.settings import Settings
from parley.testing.fake_push import Browser as PushKeys
from parley.testing.fake_push import b64
from tests.support.servers import ServerProcess, SmtpSink, free_port, start_server
from tests.web.people import Person, api_get, audit, register

VAPID_KEY = b64(bytes(range(1, 33)))
ENDPOINT = "https://push.example.test/send/parley-web"

STAND_IN = """
([endpoint, p256dh, auth]) => {
  PushManager.prototype.subscribe = async function (options) {
    window.__subscribeOptions = {
      userVisibleOnly: options.userVisibleOnly,
      keyLength: new Uint8Array(options.applicationServerKey).length,
    };
    localStorage.setItem("test.subscribed", "1");
    return subscription;
  };
  const subscription = {
    endpoint,
    toJSON: () => ({ endpoint, expirationTime: null, keys: { p256dh, auth } }),
    unsubscribe: async () => {
      localStorage.removeItem("test.subscribed");
      localStorage.setItem("test.unsubscribed", "1");
      return true;
    },
  };
  PushManager.prototype.getSubscription = async () =>
    localStorage.getItem("test.subscribed") ? subscription : null;
}
"""


@pytest.fixture(scope="module")
def push_server(
    make_settings: Callable[..., Settings],
    smtp: SmtpSink,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServerProcess]:
    port = free_port()
    settings = make_settings(
        mail_url=smtp.url,
        public_url=f"http://127.0.0.1:{port}",
        vapid_private_key=VAPID_KEY,
    )
    server = start_server(settings, str(tmp_path_factory.mktemp("push-web")), port=port)
    yield server
    server.stop()


async def worker_registration(cdp: CDPSession, scope: str) -> str:
    """The registration id of the active worker of `scope` (CDP reports them as they change)."""
    found: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def seen(event: dict[str, Any]) -> None:
        for registration in event["registrations"]:
            live = registration["scopeURL"] == scope and not registration["isDeleted"]
            if live and not found.done():
                found.set_result(registration["registrationId"])

    cdp.on("ServiceWorker.workerRegistrationUpdated", seen)
    await cdp.send("ServiceWorker.enable")
    return await asyncio.wait_for(found, 10)


async def notifications(page: Page, count: int) -> list[dict[str, Any]]:
    script = """async () => (await (await navigator.serviceWorker.ready).getNotifications())
      .map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data }))"""
    for _ in range(100):
        shown: list[dict[str, Any]] = await page.evaluate(script)
        if len(shown) >= count:
            return shown
        await asyncio.sleep(0.05)
    raise AssertionError(f"{count} notifications expected, saw {shown}")


async def clear_notifications(page: Page) -> None:
    """Close every shown notification and wait until they are gone: a close still in flight
    would take the next notification of the same tag with it."""
    script = """async () => {
      const shown = await (await navigator.serviceWorker.ready).getNotifications();
      shown.forEach((n) => n.close());
      return shown.length;
    }"""
    for _ in range(100):
        if await page.evaluate(script) == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("notifications stayed shown")


async def test_the_worker_is_served_from_the_root_under_the_page_policy(
    push_server: ServerProcess,
) -> None:
    async with httpx.AsyncClient(base_url=push_server.url) as http:
        served = await http.get("/sw.js")
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/javascript")
    assert "script-src 'self'" in served.headers["content-security-policy"]
    assert served.headers["cache-control"] == "no-cache"
    assert "showNotification" in served.text


async def test_turning_notifications_on_registers_the_worker_and_shows_pushes(
    browser: Browser, push_server: ServerProcess, smtp: SmtpSink
) -> None:
    person: Person = await register(browser, push_server, smtp, "pushy")
    page, context = person.page, person.context
    await context.grant_permissions(["notifications"], origin=push_server.url)
    keys = PushKeys()
    await page.goto("/profile")
    await page.evaluate(STAND_IN, [ENDPOINT, keys.p256dh, b64(keys.auth)])
    card = page.get_by_role("region", name="Notifications")
    await card.get_by_role("button", name="Turn on notifications").click()
    await expect(card.get_by_role("button", name="Turn off notifications")).to_be_visible()
    await audit(page, "push-settings")

    # the client subscribed with the server's VAPID key and handed the subscription over
    assert await page.evaluate("() => window.__subscribeOptions") == {
        "userVisibleOnly": True,
        "keyLength": 65,  # an uncompressed P-256 point
    }
    subscriptions = await api_get(push_server, page, "/v1/push/subscriptions")
    assert [(s["kind"], s["endpoint"]) for s in subscriptions] == [("webpush", ENDPOINT)]

    # the worker controls the page from the root scope
    scope = await page.evaluate("async () => (await navigator.serviceWorker.ready).scope")
    assert scope == f"{push_server.url}/"
    cdp = await context.new_cdp_session(page)
    registration = await worker_registration(cdp, scope)

    async def push(data: dict[str, Any]) -> None:
        await cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": push_server.url, "registrationId": registration, "data": json.dumps(data)},
        )

    note = {"type": "message", "channel_id": 7, "message_id": 70, "author_id": 2}
    await push({**note, "author_name": "Vera", "text": "are you there?"})
    shown = await notifications(page, 1)
    assert shown == [
        {
            "title": "Vera",
            "body": "are you there?",
            "tag": "channel-7",
            "data": {"channel_id": 7, "message_id": 70},
        }
    ]

    # an encrypted channel's push has no text: the page's words, in the page's language
    await clear_notifications(page)
    await push({**note, "author_name": "Vera", "text": None})
    assert (await notifications(page, 1))[0]["body"] == "New message"
    await clear_notifications(page)
    await page.get_by_label("Language").select_option("ru")
    await expect(page.get_by_role("heading", name="Уведомления")).to_be_visible()
    mentioned = "Вас упомянули"  # noqa: RUF001
    for _ in range(50):  # the strings are stored when the language changes
        await push({**note, "type": "mention", "author_name": "Vera", "text": None})
        if (await notifications(page, 1))[0]["body"] == mentioned:
            break
        await clear_notifications(page)
    assert (await notifications(page, 1))[0]["body"] == mentioned
    await page.get_by_label("Язык").select_option("en")

    # a click on a notification makes the worker ask the open page to show the channel
    await page.evaluate(
        "() => navigator.serviceWorker.dispatchEvent("
        "new MessageEvent('message', {data: {type: 'parley:open', path: '/chat/7'}}))"
    )
    await expect(page).to_have_url(re.compile(r"/chat/7$"))

    # turning it off drops the server's subscription
    await page.goto("/profile")
    await page.evaluate(STAND_IN, [ENDPOINT, keys.p256dh, b64(keys.auth)])
    card = page.get_by_role("region", name="Notifications")
    await card.get_by_role("button", name="Turn off notifications").click()
    await expect(card.get_by_role("button", name="Turn on notifications")).to_be_visible()
    assert await api_get(push_server, page, "/v1/push/subscriptions") == []
    assert await page.evaluate("() => localStorage.getItem('test.unsubscribed')") == "1"

    # signing out unsubscribes the browser, so the next person here gets nobody's pushes
    await page.evaluate("() => localStorage.removeItem('test.unsubscribed')")
    await card.get_by_role("button", name="Turn on notifications").click()
    await expect(card.get_by_role("button", name="Turn off notifications")).to_be_visible()
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Sign in to Parley")).to_be_visible()
    assert await page.evaluate(
        "() => [localStorage.getItem('parley.push_subscription'),"
        " localStorage.getItem('test.unsubscribed')]"
    ) == [None, "1"]
    person.check_clean()
    await context.close()
