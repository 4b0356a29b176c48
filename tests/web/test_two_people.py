"""Two people in two browsers: register, confirm the device and the email, befriend, DM, see
each other's messages, typing and unread state live; a known browser is not asked again."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from tests.support.servers import ServerProcess, SmtpSink
from tests.web.people import audit, befriend, message, register, send, sign_in


async def test_two_people_register_befriend_and_chat_live(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink
) -> None:
    anna = await register(browser, web_server, smtp, "anna")
    boris = await register(browser, web_server, smtp, "boris")
    await audit(anna.page, "chat-empty")

    await befriend(anna, boris)
    await audit(boris.page, "friends")
    await anna.page.get_by_role("button", name=f"Message {boris.username}").click()
    await expect(anna.page).to_have_url(re.compile(r"/chat/\d+$"))
    await send(anna.page, "Привет, Boris")
    await expect(message(anna.page, "Привет, Boris")).to_be_visible()

    # Boris sees the new conversation with its unread badge, live.
    await boris.page.get_by_role("link", name="Chats").click()
    channel_link = boris.page.get_by_role("link", name=re.compile(anna.username))
    await expect(channel_link.get_by_label("1 unread")).to_be_visible()
    await expect(channel_link).to_contain_text("Привет, Boris")
    await channel_link.click()
    await expect(message(boris.page, "Привет, Boris")).to_be_visible()
    await expect(channel_link.get_by_label("1 unread")).to_have_count(0)  # read as seen

    # Typing shows on the other side; the reply arrives live, in order, once.
    await boris.page.get_by_label("Message", exact=True).press_sequentially("Hi there")
    await expect(anna.page.get_by_text(f"{boris.username} is typing…")).to_be_visible()
    await boris.page.get_by_label("Message", exact=True).press("Enter")  # keyboard only
    await expect(message(anna.page, "Hi there")).to_have_count(1)
    await expect(anna.page.get_by_text(f"{boris.username} is typing…")).to_have_count(0)
    await expect(anna.page.get_by_role("heading", name=boris.username)).to_be_visible()
    await audit(anna.page, "chat-dm")

    # Reply, edit and delete one's own message.
    await (
        message(anna.page, "Hi there")
        .get_by_role("button", name=f"Reply to {boris.username}")
        .click()
    )
    await send(anna.page, "Reply here")
    await expect(message(boris.page, "Reply here").locator("blockquote")).to_contain_text(
        "Hi there"
    )
    await message(anna.page, "Reply here").get_by_role("button", name="Edit").click()
    await anna.page.get_by_label("Edit message").fill("Reply edited")
    await anna.page.get_by_role("button", name="Save").click()
    await expect(message(boris.page, "Reply edited")).to_contain_text("(edited)")
    await message(anna.page, "Reply edited").get_by_role("button", name="Delete").click()
    await expect(message(boris.page, "Message deleted")).to_be_visible()

    # Presence: READY tells a fresh tab who is online; closing Boris's tab reaches Anna live.
    await anna.page.reload()
    header = anna.page.get_by_role("region", name=boris.username)
    await expect(header.get_by_text("online", exact=True)).to_be_visible()
    await boris.page.close()
    await expect(header.get_by_text("offline", exact=True)).to_be_visible()

    # Signing out and in again from the same browser asks no code (a known device).
    await anna.page.get_by_role("button", name="Sign out").click()
    await expect(anna.page.get_by_role("heading", name="Sign in to Parley")).to_be_visible()
    await sign_in(anna.page, anna.email, smtp, anna.email, codes_before=1)
    await expect(anna.page.get_by_role("heading", name="Confirm this device")).to_have_count(0)

    anna.check_clean()
    boris.check_clean()
    await anna.context.close()
    await boris.context.close()
