"""The Admin section in the browser: an admin disables a user who then cannot sign in,
creates an app and sees its secret once, filters the audit log; a non-admin opening /admin
sees a refusal and no admin data is ever requested for them."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Request, expect

from parley.runtime import Runtime
from tests.support.access import give_roles
from tests.support.accounts import PASSWORD
from tests.support.servers import ServerProcess, SmtpSink
from tests.web.people import Person, audit, register


async def become_admin(runtime: Runtime, person: Person) -> None:
    assert person.user_id is not None
    await give_roles(runtime, person.user_id, runtime.settings.admin_role)
    await person.page.reload()  # the console asks the server once per page load
    await expect(person.page.get_by_role("link", name="Admin", exact=True)).to_be_visible()


async def test_an_admin_disables_a_user_who_then_cannot_sign_in(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink, runtime: Runtime
) -> None:
    ada = await register(browser, web_server, smtp, "ada")
    vera = await register(browser, web_server, smtp, "vera")
    await become_admin(runtime, ada)
    page = ada.page
    await page.get_by_role("link", name="Admin", exact=True).click()
    await expect(page.get_by_role("heading", name="Administration")).to_be_visible()
    await page.get_by_label("Username or email starts with").fill(vera.username)
    await page.get_by_role("button", name="Search", exact=True).click()
    await page.get_by_role("link", name=vera.username, exact=True).click()
    await expect(page.get_by_role("heading", name=vera.username)).to_be_visible()
    await audit(page, "admin-user")

    await page.get_by_role("button", name="Disable account").click()
    await expect(page.get_by_text(f"Disable {vera.username}?")).to_be_visible()
    await page.get_by_label("Your password (to confirm)").fill(PASSWORD)
    await page.get_by_role("button", name="Yes: Disable account").click()
    await expect(page.get_by_text("The account is disabled.")).to_be_visible()
    await expect(page.get_by_role("button", name="Enable account")).to_be_visible()

    # Vera's open tab is signed out at once, and signing in again is refused.
    await expect(vera.page.get_by_role("heading", name="Sign in to Parley")).to_be_visible()
    await vera.page.get_by_label("Username or email").fill(vera.username)
    await vera.page.get_by_label("Password").fill(PASSWORD)
    await vera.page.get_by_role("button", name="Sign in").click()
    await expect(
        vera.page.get_by_text("This account is disabled by an administrator.")
    ).to_be_visible()

    # The audit log, filtered by the user and the event, shows who did it.
    await page.get_by_role("link", name="This user's audit log").click()
    await page.get_by_label("Event").fill("admin.user_disabled")
    await page.get_by_role("button", name="Filter").click()
    entries = page.locator("ul.admin-audit > li")
    await expect(entries).to_have_count(1)
    await expect(entries.first).to_contain_text("admin.user_disabled")
    await expect(entries.first).to_contain_text(f"by {ada.username}")
    await expect(entries.first).to_contain_text(vera.username)
    await audit(page, "admin-audit")
    ada.check_clean()


async def test_an_admin_creates_an_app_and_sees_its_secret_once(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink, runtime: Runtime
) -> None:
    ada = await register(browser, web_server, smtp, "adam")
    await become_admin(runtime, ada)
    page = ada.page
    await page.goto("/admin/apps")
    new_app = page.locator('form[aria-labelledby="admin-new-app"]')  # other tests' apps are listed
    await new_app.get_by_label("App URL").fill(f"https://{ada.username}.example.com")
    await new_app.get_by_label("Name", exact=True).fill(f"Wiki {ada.username}")
    await new_app.get_by_label("Redirect URIs (one a line)").fill(
        "https://wiki.example.com/callback"
    )
    await new_app.get_by_role("button", name="Create app").click()
    shown = page.locator(".shown-once")
    await expect(shown).to_contain_text("shown this once")
    secrets = await shown.locator("code.secret").all_inner_texts()
    assert len(secrets) == 3  # app token, client id, client secret
    token, _, client_secret = secrets
    await audit(page, "admin-app-created")
    await page.get_by_role("button", name="I have copied them").click()
    await expect(shown).to_have_count(0)
    listed = page.locator("ul.admin-apps > li").filter(has_text=f"Wiki {ada.username}")
    await expect(listed.get_by_label("Redirect URIs (one a line)")).to_have_value(
        "https://wiki.example.com/callback"
    )
    await page.reload()
    await expect(listed).to_be_visible()
    content = await page.content()
    assert token not in content
    assert client_secret not in content

    await page.get_by_role("link", name="Figures").click()
    await expect(page.locator("[data-figure=sessions]")).to_have_text(re.compile(r"^[1-9]\d*$"))
    await expect(page.get_by_text("Sends per second")).to_be_visible()
    await audit(page, "admin-figures")
    ada.check_clean()


async def test_a_non_admin_opening_admin_sees_a_refusal_and_no_data(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink
) -> None:
    nina = await register(browser, web_server, smtp, "nina")
    requested: list[str] = []

    def watch(request: Request) -> None:
        if "/v1/admin/" in request.url:
            requested.append(re.sub(r"^https?://[^/]+", "", request.url))

    nina.page.on("request", watch)
    await expect(nina.page.get_by_role("link", name="Admin", exact=True)).to_have_count(0)
    for path in ("/admin", "/admin/users", "/admin/audit", "/admin/figures"):
        await nina.page.goto(path)
        await expect(nina.page.get_by_role("alert")).to_contain_text("for administrators")
    await expect(nina.page.locator("ul.admin-users, ul.admin-audit, dl.figures")).to_have_count(0)
    assert set(requested) == {"/v1/admin/me"}
    await audit(nina.page, "admin-refused")
