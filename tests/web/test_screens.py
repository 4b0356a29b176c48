"""The remaining screens as a person uses them, each checked with axe-core: languages, password
reset, profile and avatar (with the server's refusal shown), password change, groups, the
"this wasn't me" page; and the API docs pages working offline."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Request, Route, expect

from tests.support.accounts import PASSWORD
from tests.support.images import image_bytes, zip_file
from tests.support.mail import code_in, link_in, mail_to
from tests.support.servers import ServerProcess, SmtpSink
from tests.web.people import audit, befriend, open_browser, register, sign_in

NEW_PASSWORD = "a much newer passphrase"


async def test_language_follows_the_browser_and_can_be_switched(
    browser: Browser, web_server: ServerProcess
) -> None:
    context, page, problems = await open_browser(browser, web_server, locale="ru-RU")
    await page.goto("/signin")
    await expect(page.get_by_role("heading", name="Вход в Parley")).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("lang", "ru")
    await audit(page, "sign-in-ru")
    await page.get_by_label("Язык").select_option("en")
    await expect(page.get_by_role("heading", name="Sign in to Parley")).to_be_visible()
    await page.reload()
    await expect(page.get_by_role("heading", name="Sign in to Parley")).to_be_visible()
    await page.get_by_role("link", name="Create an account").click()
    await audit(page, "register")
    await page.get_by_role("link", name="I already have an account").click()
    await page.get_by_role("link", name="Forgot password?").click()
    await audit(page, "forgot")
    await page.goto("/signin")
    await page.get_by_label("Username or email").fill("nobody_here")
    await page.get_by_label("Password").fill("wrong password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_have_text("Wrong username, email or password.")
    assert not problems, problems
    await context.close()


async def test_password_reset_by_mailed_code_then_sign_in_with_the_new_password(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink
) -> None:
    rita = await register(browser, web_server, smtp, "rita")
    page = rita.page
    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_role("link", name="Forgot password?").click()
    await page.get_by_label("Email").fill(rita.email)
    await page.get_by_role("button", name="Email me a code").click()
    await expect(page.get_by_role("status")).to_contain_text("a code and a link are on their way")
    await page.get_by_role("link", name="I have a code").click()
    await expect(page.get_by_label("Email")).to_have_value(rita.email)
    await page.get_by_label("Code").fill(code_in((await mail_to(smtp, rita.email, "reset"))[-1]))
    await page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    await audit(page, "reset")
    await page.get_by_role("button", name="Set password").click()
    await expect(page.get_by_text("Password changed. Sign in with the new one.")).to_be_visible()
    await page.get_by_role("link", name="Back to sign in").click()
    await page.get_by_label("Username or email").fill(rita.email)
    await page.get_by_label("Password").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("navigation", name="Conversations")).to_be_visible()
    rita.check_clean()
    await rita.context.close()


async def test_profile_avatar_and_password_change(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink
) -> None:
    sima = await register(browser, web_server, smtp, "sima")
    page = sima.page
    await page.get_by_role("link", name="Profile").click()
    await page.get_by_label("Display name").fill("Sima S.")
    await page.get_by_label("Status").fill("on holiday")
    await page.get_by_label("About you").fill("Writes code.")
    await page.get_by_label("Contacts").fill("telegram: @sima")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_text("Saved.")).to_be_visible()
    await page.reload()
    await expect(page.get_by_label("Status")).to_have_value("on holiday")
    await expect(page.get_by_label("Contacts")).to_have_value("telegram: @sima")

    chooser = page.get_by_label("Choose an image")
    await chooser.set_input_files(
        {"name": "notes.png", "mimeType": "image/png", "buffer": zip_file()}
    )
    await page.get_by_role("button", name="Upload").click()
    await expect(page.get_by_role("alert")).to_be_visible()
    await chooser.set_input_files(
        {"name": "me.png", "mimeType": "image/png", "buffer": image_bytes("PNG", (300, 200))}
    )
    await expect(page.get_by_role("img", name="Preview of the new avatar")).to_be_visible()
    await page.get_by_role("button", name="Upload").click()
    await expect(page.get_by_role("img", name="Your avatar")).to_be_visible()
    await audit(page, "profile")

    await page.get_by_label("Current password").fill("not my password")
    await page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Change password").click()
    await expect(page.get_by_text("Wrong username, email or password.")).to_be_visible()
    await page.get_by_label("Current password").fill(PASSWORD)
    await page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Change password").click()
    await expect(page.get_by_text("Password changed; your other sessions")).to_be_visible()
    sima.check_clean()
    await sima.context.close()


async def test_group_create_rename_remove_add_and_leave(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink
) -> None:
    owner = await register(browser, web_server, smtp, "owner")
    guest = await register(browser, web_server, smtp, "guest")
    await befriend(owner, guest)
    await guest.page.get_by_role("link", name="Chats").click()
    page = owner.page
    await page.get_by_role("link", name="Chats").click()
    await page.get_by_role("button", name="New group").click()
    await page.get_by_label("Group name").fill("Book club")
    await page.get_by_label(guest.username).check()
    await page.get_by_role("button", name="Create group").click()
    await expect(page.get_by_role("heading", name="Book club")).to_be_visible()
    await expect(guest.page.get_by_role("link", name=re.compile("Book club"))).to_be_visible()

    await page.get_by_role("button", name="Group settings").click()
    await audit(page, "group-settings")
    await page.get_by_label("Group name").fill("Reading club")
    await page.get_by_role("button", name="Rename").click()
    await expect(guest.page.get_by_role("link", name=re.compile("Reading club"))).to_be_visible()
    await page.get_by_role("button", name=f"Remove {guest.username}").click()
    await expect(guest.page.get_by_role("link", name=re.compile("Reading club"))).to_have_count(0)
    await page.get_by_label("Add a friend").select_option(label=guest.username)
    await page.get_by_role("button", name="Add", exact=True).click()
    await guest.page.get_by_role("link", name=re.compile("Reading club")).click()
    await guest.page.get_by_role("button", name="Group settings").click()
    await guest.page.get_by_role("button", name="Leave group").click()
    await expect(guest.page.get_by_role("link", name=re.compile("Reading club"))).to_have_count(0)
    await expect(page.get_by_text("1 members")).to_be_visible()
    owner.check_clean()
    guest.check_clean()
    await owner.context.close()
    await guest.context.close()


async def test_wasnt_me_link_signs_every_session_out(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink
) -> None:
    tom = await register(browser, web_server, smtp, "tom")
    notice = (await mail_to(smtp, tom.email, "notice"))[-1]
    link = link_in(notice, "/wasnt-me/")  # the mail links to the web client's page
    context, page, problems = await open_browser(browser, web_server)
    await page.goto(link)
    await expect(page.get_by_role("heading", name="This wasn't me")).to_be_visible()
    await audit(page, "wasnt-me")
    await page.get_by_role("button", name="Sign everyone out").click()
    await expect(page.get_by_text("Done: every session was signed out.")).to_be_visible()
    await expect(tom.page.get_by_role("heading", name="Sign in to Parley")).to_be_visible()
    await page.goto(link)
    await page.get_by_role("button", name="Sign everyone out").click()
    await expect(page.get_by_role("alert")).to_be_visible()  # a spent link says so
    await sign_in(tom.page, tom.username, smtp, tom.email, codes_before=1)
    assert not [p for p in problems if "CSP" in p], problems
    await context.close()
    await tom.context.close()


async def test_api_docs_work_offline(browser: Browser, web_server: ServerProcess) -> None:
    context, page, _ = await open_browser(browser, web_server)
    outside: list[str] = []

    async def only_local(route: Route, request: Request) -> None:
        if request.url.startswith(web_server.url):
            await route.continue_()
        else:
            outside.append(request.url)
            await route.abort()

    await context.route("**/*", only_local)
    await page.goto("/docs")  # a few megabytes of script to parse on a busy machine
    await expect(page.get_by_role("heading", name=re.compile("Parley"))).to_be_visible(
        timeout=30_000
    )
    await expect(page.get_by_text("/v1/auth/login").first).to_be_visible()
    await page.goto("/redoc")
    await expect(page.get_by_role("menuitem", name="auth", exact=True)).to_be_visible(
        timeout=30_000
    )
    assert not outside, outside
    await context.close()


async def test_friend_requests_cancel_decline_block_and_unblock(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink
) -> None:
    uma = await register(browser, web_server, smtp, "uma")
    vik = await register(browser, web_server, smtp, "vik")
    await vik.page.get_by_role("link", name="Friends").click()
    page = uma.page
    await page.get_by_role("link", name="Friends").click()
    await page.get_by_label("Username starts with").fill(vik.username)
    await page.get_by_role("button", name="Search").click()
    result = page.get_by_role("listitem").filter(has_text=vik.username)
    await result.get_by_role("button", name="Add friend").click()
    await expect(vik.page.get_by_role("button", name=f"Decline {uma.username}")).to_be_visible()
    cancel = page.get_by_role("button", name=f"Cancel request to {vik.username}")
    decline = vik.page.get_by_role("button", name=f"Decline {uma.username}")
    await cancel.click()
    await expect(cancel).to_have_count(0)
    await vik.page.reload()  # the API sends no event for a withdrawn or declined request
    await expect(decline).to_have_count(0)

    await result.get_by_role("button", name="Add friend").click()
    await decline.click()
    await expect(decline).to_have_count(0)
    await page.reload()
    await expect(cancel).to_have_count(0)
    await page.get_by_label("Username starts with").fill(vik.username)
    await page.get_by_role("button", name="Search").click()

    await result.get_by_role("button", name="Block").click()
    await expect(page.get_by_role("button", name=f"Unblock {vik.username}")).to_be_visible()
    await audit(page, "friends-blocked")
    await page.get_by_role("button", name=f"Unblock {vik.username}").click()
    await expect(page.get_by_text("Nobody.")).to_be_visible()
    uma.check_clean()
    vik.check_clean()
    await uma.context.close()
    await vik.context.close()
