"""QR sign-in: a desktop browser shows the code; a signed-in phone-size browser opens its link,
sees the desktop's address and browser, approves, and enters the mailed code when the desktop
is a new device; a second time, from the now known desktop, no code is asked."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.async_api import Browser, Page, expect

from parley.settings import Settings
from tests.support.mail import code_in, mail_to
from tests.support.servers import ServerProcess, SmtpSink
from tests.web.people import audit, enter_code, open_browser, register

DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) DesktopTest/1.0"


async def qr_link(desktop: Page, server: ServerProcess) -> str:
    link = desktop.get_by_role("link", name=re.compile(r"qr.+c="))
    await expect(link).to_be_visible()
    href = await link.get_attribute("href")
    assert href is not None
    assert href.startswith(f"{server.url}/qr/")  # PARLEY_PUBLIC_URL/qr/{ticket}?c=...
    return href


async def test_phone_approves_a_desktop_with_the_code_then_without(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink
) -> None:
    phone = await register(browser, web_server, smtp, "phone", phone=True)
    await audit(phone.page, "chat-phone")
    desktop, page, problems = await open_browser(browser, web_server, user_agent=DESKTOP_UA)
    await page.goto("/signin")
    await expect(page.get_by_role("img", name="QR code for signing in")).to_be_visible()
    await expect(page.get_by_role("timer")).to_contain_text("Renews in")
    await audit(page, "sign-in-qr")

    await phone.page.goto(await qr_link(page, web_server))
    await expect(
        phone.page.get_by_role("heading", name="Sign in on another device?")
    ).to_be_visible()
    await expect(phone.page.get_by_text("DesktopTest/1.0")).to_be_visible()
    await expect(phone.page.get_by_text("127.0.0.1")).to_be_visible()
    await audit(phone.page, "qr-approve-phone")
    await phone.page.get_by_role("button", name="Approve").click()

    # An unknown desktop: the code goes to the mailbox; the phone enters it.
    await expect(phone.page.get_by_text("The other device is new")).to_be_visible()
    await expect(page.get_by_text("The other device is new")).to_be_visible()
    await enter_code(phone.page, code_in((await mail_to(smtp, phone.email, "device", 2))[-1]))
    await expect(page.get_by_role("navigation", name="Conversations")).to_be_visible()
    await expect(
        phone.page.get_by_text("Approved: the other device is signing in.")
    ).to_be_visible()

    # The same desktop again: a known device, no code.
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("img", name="QR code for signing in")).to_be_visible()
    await phone.page.goto(await qr_link(page, web_server))
    await phone.page.get_by_role("button", name="Approve").click()
    await expect(page.get_by_role("navigation", name="Conversations")).to_be_visible()
    assert len(await mail_to(smtp, phone.email, "device", 2)) == 2

    assert not problems, problems
    phone.check_clean()
    await desktop.close()
    await phone.context.close()


async def test_phone_that_is_signed_out_signs_in_first_and_comes_back_to_approve(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink
) -> None:
    owner = await register(browser, web_server, smtp, "qrback")
    desktop, page, _ = await open_browser(browser, web_server)
    await page.goto("/signin")
    link = await qr_link(page, web_server)
    phone, phone_page, _ = await open_browser(browser, web_server, phone=True)
    await phone_page.goto(link)
    await expect(phone_page.get_by_role("heading", name="Sign in to Parley")).to_be_visible()
    await phone_page.get_by_label("Username or email").fill(owner.username)
    await phone_page.get_by_label("Password").fill("correct horse battery")
    await phone_page.get_by_role("button", name="Sign in").click()
    await enter_code(phone_page, code_in((await mail_to(smtp, owner.email, "device", 2))[-1]))
    await expect(phone_page.get_by_role("button", name="Approve")).to_be_visible()
    await phone_page.get_by_role("button", name="Deny").click()
    await expect(phone_page).to_have_url(re.compile(r"/chat"))
    for context in (desktop, phone, owner.context):
        await context.close()


async def test_phone_denies_and_the_desktop_says_so_and_offers_a_new_code(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink
) -> None:
    phone = await register(browser, web_server, smtp, "qrdeny", phone=True)
    desktop, page, problems = await open_browser(browser, web_server, user_agent=DESKTOP_UA)
    await page.goto("/signin")
    first = await qr_link(page, web_server)
    await phone.page.goto(first)
    await phone.page.get_by_role("button", name="Deny").click()
    await expect(phone.page).to_have_url(re.compile(r"/chat"))

    await expect(page.get_by_role("alert")).to_have_text("The phone denied this sign-in.")
    await audit(page, "sign-in-qr-denied")
    await page.get_by_role("button", name="New QR code").click()
    await expect(page.get_by_role("alert")).to_have_count(0)
    link = page.get_by_role("link", name=re.compile(r"qr.+c="))
    await expect(link).not_to_have_attribute("href", first)
    await phone.page.goto(first)  # the denied ticket is gone
    await expect(phone.page.get_by_role("alert")).to_be_visible()
    await expect(phone.page.get_by_role("button", name="Approve")).to_have_count(0)
    assert not problems, problems
    await desktop.close()
    await phone.context.close()


async def test_the_desktop_renews_an_expired_qr_code(
    browser: Browser,
    server_factory: Callable[..., ServerProcess],
    make_settings: Callable[..., Settings],
) -> None:
    server = server_factory(make_settings(qr_ticket_ttl_seconds=2))
    desktop, page, problems = await open_browser(browser, server)
    await page.goto("/signin")
    code = page.get_by_text("Check code:")
    await expect(code).to_be_visible()
    first = await code.inner_text()
    await expect(code).not_to_have_text(first, timeout=20_000)
    await expect(page.get_by_role("timer")).to_contain_text("Renews in")
    assert not problems, problems
    await desktop.close()
