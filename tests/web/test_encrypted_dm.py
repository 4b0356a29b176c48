"""An end-to-end encrypted DM: both make keys in the browser under a PIN, both read the
messages, the API holds only ciphertext; after a reload the key is locked until the PIN is
entered (a wrong one shows the tries left)."""

from __future__ import annotations

import base64
import re

from playwright.async_api import Browser, expect

from tests.support.servers import ServerProcess, SmtpSink
from tests.web.people import Person, api_get, audit, befriend, message, register, send


async def make_keys(person: Person, pin: str) -> None:
    await person.page.get_by_role("link", name="Encryption keys").click()
    await person.page.get_by_label("PIN").fill(pin)
    await person.page.get_by_role("button", name="Create keys").click()
    await expect(person.page.get_by_text("Your keys are unlocked in this tab.")).to_be_visible(
        timeout=20_000
    )


async def test_encrypted_dm_is_read_by_both_and_only_ciphertext_reaches_the_server(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink
) -> None:
    olga = await register(browser, web_server, smtp, "olga")
    pavel = await register(browser, web_server, smtp, "pavel")
    await befriend(olga, pavel)
    await make_keys(olga, "2468")
    await make_keys(pavel, "1357")
    await audit(olga.page, "keys")

    await olga.page.get_by_role("link", name="Friends").click()
    await olga.page.get_by_role("button", name=f"Encrypted chat with {pavel.username}").click()
    await expect(olga.page.get_by_text("end-to-end encrypted")).to_be_visible()
    await send(olga.page, "секрет: the eagle lands")
    await expect(message(olga.page, "секрет: the eagle lands")).to_be_visible()

    await pavel.page.get_by_role("link", name="Chats").click()
    await pavel.page.get_by_role("link", name=re.compile(olga.username)).click()
    await expect(message(pavel.page, "секрет: the eagle lands")).to_be_visible()
    await send(pavel.page, "received")
    await expect(message(olga.page, "received")).to_be_visible()
    await audit(pavel.page, "chat-encrypted")

    channel_id = int(olga.page.url.rsplit("/", 1)[1])
    stored = (await api_get(web_server, olga.page, f"/v1/channels/{channel_id}/messages"))["items"]
    assert len(stored) == 2
    for row in stored:
        assert "eagle" not in row["content"]
        assert "received" not in row["content"]
        assert len(base64.b64decode(row["content"], validate=True)) % 16 == 0  # AES-CBC blocks
    keys = await api_get(web_server, olga.page, "/v1/users/me/keys")
    assert keys["tries_left"] == 10

    # A reload forgets the unlocked key: messages stay unreadable until the PIN is given.
    await pavel.page.reload()
    await expect(message(pavel.page, "Encrypted message").first).to_be_visible()
    await pavel.page.get_by_role("link", name="Unlock").click()
    await pavel.page.get_by_label("PIN").fill("0000")
    await pavel.page.get_by_role("button", name="Unlock").click()
    await expect(pavel.page.get_by_role("alert")).to_have_text("Wrong PIN: 9 tries left.")
    await pavel.page.get_by_label("PIN").fill("1357")
    await pavel.page.get_by_role("button", name="Unlock").click()
    await expect(pavel.page.get_by_text("Your keys are unlocked in this tab.")).to_be_visible()
    await pavel.page.get_by_role("link", name="Chats").click()
    await pavel.page.get_by_role("link", name=re.compile(olga.username)).click()
    await expect(message(pavel.page, "секрет: the eagle lands")).to_be_visible()

    olga.check_clean()
    pavel.check_clean()
    await olga.context.close()
    await pavel.context.close()


async def test_encrypted_group_hands_its_key_to_a_member_added_later(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink
) -> None:
    host = await register(browser, web_server, smtp, "host")
    late = await register(browser, web_server, smtp, "late")
    await befriend(host, late)
    await make_keys(host, "1111")
    await make_keys(late, "2222")

    page = host.page
    await page.get_by_role("link", name="Chats").click()
    await page.get_by_role("button", name="New group").click()
    await page.get_by_label("Group name").fill("Quiet room")
    await page.get_by_label("End-to-end encrypted").check()
    await page.get_by_role("button", name="Create group").click()
    await expect(page.get_by_text("end-to-end encrypted")).to_be_visible()
    await send(page, "only for members")
    await page.get_by_role("button", name="Group settings").click()
    await page.get_by_label("Add a friend").select_option(label=late.username)
    await page.get_by_role("button", name="Add", exact=True).click()

    await late.page.get_by_role("link", name="Chats").click()
    await late.page.get_by_role("link", name=re.compile("Quiet room")).click()
    await expect(message(late.page, "only for members")).to_be_visible()
    await send(late.page, "I can read it")
    await expect(message(page, "I can read it")).to_be_visible()
    channel_id = int(page.url.rsplit("/", 1)[1])
    stored = (await api_get(web_server, late.page, f"/v1/channels/{channel_id}/messages"))["items"]
    assert all("read it" not in row["content"] for row in stored)
    host.check_clean()
    late.check_clean()
    await host.context.close()
    await late.context.close()
