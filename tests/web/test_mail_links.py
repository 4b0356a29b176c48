"""The links in Parley's mails open the web client: the verification link confirms the
address signed out or signed in, the reset link sets a new password. (The "this wasn't me"
link is in test_screens.)"""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, expect

from tests.support.accounts import Account, new_account
from tests.support.mail import last_mail, link_in, mail_to
from tests.support.servers import ServerProcess, SmtpSink
from tests.web.people import audit, open_browser, register, sign_in

NEW_PASSWORD = "a brand new passphrase"


async def account(server: ServerProcess) -> Account:
    async with httpx.AsyncClient(base_url=server.url) as http:
        return await new_account(http, "mail")


async def test_verification_link_confirms_the_address_in_a_signed_out_browser(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink
) -> None:
    who = await account(web_server)
    link = link_in(await last_mail(smtp, who.email, "verify"), "/verify")
    assert link.startswith(f"{web_server.url}/verify?token=")
    context, page, problems = await open_browser(browser, web_server)
    await page.goto(link)
    await expect(page.get_by_role("heading", name="Confirm your email")).to_be_visible()
    await expect(page.get_by_role("status")).to_have_text("Your email address is confirmed.")
    await audit(page, "verify-link")
    async with httpx.AsyncClient(base_url=web_server.url) as http:
        me = await http.get("/v1/users/me", headers=who.headers)
    assert me.json()["email_verified_at"] is not None
    await page.goto(link)  # spent
    await expect(page.get_by_role("alert")).to_be_visible()
    await expect(page.get_by_role("status")).to_have_count(0)
    assert not problems, problems
    await context.close()


async def test_verification_link_in_a_signed_in_browser_clears_the_banner(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink
) -> None:
    who = await account(web_server)
    context, page, problems = await open_browser(browser, web_server)
    codes_before = len([m for m in smtp.to(who.email) if "code" in str(m["Subject"])])
    await sign_in(page, who.username, smtp, who.email, codes_before=codes_before)
    banner = page.get_by_text("Your email address is not confirmed yet.")
    await expect(banner).to_be_visible()
    await page.goto(link_in(await last_mail(smtp, who.email, "verify"), "/verify"))
    await expect(page.get_by_role("status")).to_have_text("Your email address is confirmed.")
    await page.get_by_role("link", name="Continue to Parley").click()
    await expect(page.get_by_role("navigation", name="Conversations")).to_be_visible()
    await expect(banner).to_have_count(0)
    assert not problems, problems
    await context.close()


async def test_reset_link_sets_a_new_password(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink
) -> None:
    person = await register(browser, web_server, smtp, "reset")
    async with httpx.AsyncClient(base_url=web_server.url) as http:
        asked = await http.post("/v1/auth/password-reset", json={"email": person.email})
    assert asked.status_code == 202
    link = link_in(await last_mail(smtp, person.email, "reset"), "/reset")
    assert link.startswith(f"{web_server.url}/reset?token=")
    context, page, problems = await open_browser(browser, web_server)
    await page.goto(link)
    await expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    await expect(page.get_by_label("Code", exact=True)).to_have_count(0)  # the link is enough
    await page.get_by_role("textbox", name="New password").fill(NEW_PASSWORD)
    await audit(page, "reset-link")
    await page.get_by_role("button", name="Set password").click()
    await expect(page.get_by_role("status")).to_be_visible()
    # every session was revoked: the first browser is back at sign-in
    await expect(person.page.get_by_role("heading", name="Sign in to Parley")).to_be_visible()
    async with httpx.AsyncClient(base_url=web_server.url) as http:
        login = await http.post(
            "/v1/auth/login", json={"login": person.username, "password": NEW_PASSWORD}
        )
    # the new password is right (this client is a new device, so the code step follows)
    assert login.status_code == 403, login.text
    assert login.json()["error"]["code"] == "device_verification_required"
    assert len(await mail_to(smtp, person.email, "reset")) == 1
    assert not problems, problems
    person.check_clean()
    await context.close()
    await person.context.close()
