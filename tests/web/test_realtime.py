"""The realtime connection as a person sees it: a network drop mid-conversation loses and
doubles nothing (the tab reconnects and RESUMEs), a send while offline waits for Retry, and
signing out other sessions sends the other browser to the sign-in screen within a second."""

from __future__ import annotations

import json
import re
import time

from playwright.async_api import Browser, WebSocket, expect

from tests.support.servers import ServerProcess, SmtpSink
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
