"""A 10,000-message conversation: the view keeps a bounded window of messages in the DOM,
loads older pages as the person scrolls up, and jumps to the first unread (`around`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from playwright.async_api import Browser, Page, expect
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine

from parley.models import Message
from tests.support.servers import ServerProcess, SmtpSink
from tests.web.people import message, register, token_of

TOTAL = 10_000
MOST_DOM_MESSAGES = 120


async def dom_messages(page: Page) -> int:
    return await page.locator("li.message").count()


async def scroll_up_until_visible(page: Page, text: str, rounds: int = 60) -> None:
    box = page.get_by_label("Messages", exact=True)
    await box.hover()
    for _ in range(rounds):
        if await message(page, text).count():
            return
        await page.mouse.wheel(0, -4000)
        await page.wait_for_timeout(120)
    raise AssertionError(f"never reached {text!r}")


async def test_ten_thousand_messages_scroll_in_a_window_and_jump_to_first_unread(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink, database_url: str
) -> None:
    reader = await register(browser, web_server, smtp, "reader")
    writer = await register(browser, web_server, smtp, "writer")
    async with httpx.AsyncClient(base_url=web_server.url, timeout=10) as http:
        as_writer = {"Authorization": f"Bearer {await token_of(writer.page)}"}
        as_reader = {"Authorization": f"Bearer {await token_of(reader.page)}"}
        await http.post("/v1/friends", json={"user_id": reader.user_id}, headers=as_writer)
        dm = await http.post(
            "/v1/channels/direct", json={"user_id": reader.user_id}, headers=as_writer
        )
        channel_id = dm.json()["id"]
        engine = create_async_engine(database_url)
        start = datetime.now(UTC) - timedelta(days=1)
        rows = [
            {
                "channel_id": channel_id,
                "author_id": writer.user_id,
                "content": f"msg {n}",
                "created_at": start + timedelta(seconds=n),
            }
            for n in range(1, TOTAL + 1)
        ]
        async with engine.begin() as conn:
            await conn.execute(insert(Message), rows)
        await engine.dispose()
        page = await http.get(
            f"/v1/channels/{channel_id}/messages?limit=1&after=0", headers=as_reader
        )
        first_id = page.json()["items"][-1]["id"]
        # The reader has read up to message 9,000.
        marked = await http.post(
            f"/v1/channels/{channel_id}/read",
            json={"message_id": first_id + 8_999},
            headers=as_reader,
        )
        assert marked.status_code == 200

    page = reader.page
    await page.goto("/chat")
    link = page.get_by_role("link", name=re.compile(writer.username))
    await expect(link.get_by_label("1000 unread")).to_be_visible()
    await link.click()
    await expect(message(page, "msg 10000")).to_be_visible()
    assert await dom_messages(page) <= MOST_DOM_MESSAGES

    await page.get_by_role("button", name="Jump to first unread").click()
    await expect(message(page, "msg 9001")).to_be_focused()
    await expect(page.get_by_text("New messages")).to_have_count(1)
    await expect(message(page, "msg 10000")).to_have_count(0)

    await page.get_by_role("button", name="Jump to latest").click()
    await expect(message(page, "msg 10000")).to_be_visible()
    await scroll_up_until_visible(page, "msg 9700")
    assert await dom_messages(page) <= MOST_DOM_MESSAGES
    await expect(message(page, "msg 10000")).to_have_count(0)  # left the DOM, still loaded
    await scroll_up_until_visible(page, "msg 9500")
    assert await dom_messages(page) <= MOST_DOM_MESSAGES
    reader.check_clean()
    await reader.context.close()
    await writer.context.close()
