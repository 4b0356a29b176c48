"""The realtime connection as a person sees it: a network drop mid-conversation loses and
doubles nothing (the tab reconnects and RESUMEs), a send while offline waits for Retry, and
signing out other sessions sends the other browser to the sign-in screen within a second."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable

from playwright.async_api import Browser, WebSocket, expect

from parley.settings import Settings
from tests.conftest import REDIS_URL
from tests.support.servers import ServerProcess, SmtpSink, free_port
from tests.web.people import audit, befriend, message, register, send, sign_in


async def test_network_drop_resumes_without_losing_or_doubling_messages(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink
) -> None:
    vera = await register(browser, web_server, smtp, "vera")
    gleb = await register(browser, web_server, smtp, "gleb")
    await befriend(vera, gleb)
    await vera.page.get_by_role("button", name=f"Message {gleb.username}").click()
    await send(vera.page, "before the drop")
    await gleb.page.get_by_role("link", name="Chats").click()
    await gleb.page.get_by_role("link", name=re.compile(vera.username)).click()
    await expect(message(gleb.page, "before the drop")).to_be_visible()

    sent_ops: list[int] = []

    def watch(ws: WebSocket) -> None:
        if ws.url.endswith("/v1/gateway"):
            ws.on("framesent", lambda payload: sent_ops.append(json.loads(payload)["op"]))

    gleb.page.on("websocket", watch)
    await gleb.context.set_offline(True)
    await expect(gleb.page.get_by_text("Offline — reconnecting…")).to_be_visible()
    for n in range(3):
        await send(vera.page, f"while away {n}")
    await send(gleb.page, "sent offline")
    await expect(message(gleb.page, "sent offline").get_by_role("alert")).to_have_text("Not sent.")
    await audit(gleb.page, "chat-offline")

    await gleb.context.set_offline(False)
    for n in range(3):
        await expect(message(gleb.page, f"while away {n}")).to_have_count(1)
    await expect(gleb.page.get_by_text("Offline — reconnecting…")).to_have_count(0)
    assert 6 in sent_ops, sent_ops  # RESUME,
    assert 2 not in sent_ops, sent_ops  # not a new IDENTIFY
    await message(gleb.page, "sent offline").get_by_role("button", name="Retry").click()
    await expect(message(vera.page, "sent offline")).to_have_count(1)
    await expect(message(gleb.page, "sent offline")).to_have_count(1)
    await expect(message(gleb.page, "before the drop")).to_have_count(1)

    vera.check_clean()
    await vera.context.close()
    await gleb.context.close()


async def test_signing_out_other_sessions_returns_the_other_browser_to_sign_in_within_a_second(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink
) -> None:
    lena = await register(browser, web_server, smtp, "lena")
    other = await browser.new_context(base_url=web_server.url)
    other_page = await other.new_page()
    await sign_in(other_page, lena.username, smtp, lena.email, codes_before=1)

    await lena.page.get_by_role("link", name="Security").click()
    await expect(lena.page.get_by_role("heading", name="This session")).to_be_visible()
    await expect(
        lena.page.get_by_role("button", name=re.compile(r"Sign out session"))
    ).to_have_count(1)
    await expect(lena.page.get_by_role("heading", name=re.compile(r"^web-"))).to_have_count(2)
    await audit(lena.page, "security")
    started = time.monotonic()
    await lena.page.get_by_role("button", name="Sign out all other sessions").click()
    await expect(other_page.get_by_role("heading", name="Sign in to Parley")).to_be_visible(
        timeout=1000
    )
    assert time.monotonic() - started < 1.5
    await expect(
        other_page.get_by_text("This session was signed out from another device.")
    ).to_be_visible()
    await expect(lena.page.get_by_text("Every other session is signed out.")).to_be_visible()
    await expect(lena.page.get_by_role("navigation", name="Main")).to_be_visible()
    lena.check_clean()
    await other.close()
    await lena.context.close()


async def test_a_server_restart_reconnects_the_tab_and_it_catches_up(
    browser: Browser,
    server_factory: Callable[..., ServerProcess],
    make_settings: Callable[..., Settings],
    smtp: SmtpSink,
) -> None:
    port = free_port()
    settings = make_settings(mail_url=smtp.url, public_url=f"http://127.0.0.1:{port}")
    server = server_factory(settings, port=port)
    ines = await register(browser, server, smtp, "ines")
    jan = await register(browser, server, smtp, "jan")
    await befriend(ines, jan)
    await ines.page.get_by_role("button", name=f"Message {jan.username}").click()
    await send(ines.page, "before the restart")
    await jan.page.get_by_role("link", name="Chats").click()
    await jan.page.get_by_role("link", name=re.compile(ines.username)).click()
    await expect(message(jan.page, "before the restart")).to_be_visible()

    received: list[dict[str, object]] = []

    def watch(ws: WebSocket) -> None:
        ws.on("framereceived", lambda payload: received.append(json.loads(payload)))

    jan.page.on("websocket", watch)
    server.stop()  # RECONNECT, then close 1012
    await expect(jan.page.get_by_text("Offline — reconnecting…")).to_be_visible()
    server_factory(settings, port=port)
    await expect(jan.page.get_by_text("Offline — reconnecting…")).to_have_count(0, timeout=20_000)
    await expect(ines.page.get_by_text("Offline — reconnecting…")).to_have_count(0, timeout=20_000)
    # With Redis the replay buffer outlives the process: RESUMED. Without it the session is
    # gone: INVALID_SESSION, then IDENTIFY and a fresh READY. The banner goes at HELLO, so
    # the answer to RESUME or IDENTIFY may still be on its way.
    for _ in range(200):
        names = [frame.get("t") for frame in received]
        if "RESUMED" in names or "READY" in names:
            break
        await asyncio.sleep(0.05)
    if REDIS_URL:
        assert "RESUMED" in names, names
    else:
        assert any(frame.get("op") == 9 for frame in received), received
        assert "READY" in names, names
    await send(ines.page, "after the restart")
    await expect(message(jan.page, "after the restart")).to_have_count(1, timeout=15_000)
    await expect(message(jan.page, "before the restart")).to_have_count(1)
    await ines.context.close()
    await jan.context.close()


async def test_two_tabs_refreshing_short_lived_tokens_stay_signed_in(
    browser: Browser,
    server_factory: Callable[..., ServerProcess],
    make_settings: Callable[..., Settings],
    smtp: SmtpSink,
) -> None:
    # 31 s tokens: the client refreshes whenever less than 30 s are left, so about every call.
    settings = make_settings(mail_url=smtp.url, access_ttl_seconds=31)
    server = server_factory(settings)
    kim = await register(browser, server, smtp, "kim")
    refreshes: list[str] = []
    kim.context.on(
        "request", lambda r: refreshes.append(r.url) if r.url.endswith("/auth/refresh") else None
    )
    second = await kim.context.new_page()
    await second.goto("/security")
    for _ in range(4):
        await kim.page.wait_for_timeout(1100)
        await kim.page.get_by_role("link", name="Security").click()
        await second.get_by_role("link", name="Friends").click()
        await kim.page.get_by_role("link", name="Friends").click()
        await second.get_by_role("link", name="Security").click()
        for page in (kim.page, second):
            await expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    await expect(second.get_by_role("heading", name="This session")).to_be_visible()
    await expect(second.get_by_role("button", name=re.compile("Sign out session"))).to_have_count(0)
    assert len(refreshes) >= 4, refreshes
    kim.check_clean()
    await kim.context.close()
