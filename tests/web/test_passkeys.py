"""Passkeys in the web client, answered by Chromium's DevTools virtual authenticator (a
platform one with user verification): add and name one (the first brings recovery codes),
sign in without a password, rename it, answer the second step of a password sign-in, remove
it with the password; and another person neither sees nor removes it.

WebAuthn needs a domain for the relying party id, not an IP address, so these tests have their
own server whose public URL (and so the page's origin) is http://localhost:<port>."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from parley.settings import Settings
from tests.support.accounts import PASSWORD
from tests.support.servers import ServerProcess, SmtpSink, free_port, start_server
from tests.web.people import audit, register, token_of


@dataclass
class LocalhostServer(ServerProcess):
    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"


@pytest.fixture(scope="module")
def passkey_server(
    make_settings: Callable[..., Settings],
    smtp: SmtpSink,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServerProcess]:
    port = free_port()
    settings = make_settings(mail_url=smtp.url, public_url=f"http://localhost:{port}")
    started = start_server(settings, str(tmp_path_factory.mktemp("passkey-web")), port=port)
    server = LocalhostServer(started.port, started.process, started.log_path)
    yield server
    server.stop()


async def add_authenticator(page: Page) -> None:
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable")
    await cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


async def add_passkey(page: Page, name: str) -> None:
    await page.goto("/security")
    await page.get_by_label("Name for a new passkey").fill(name)
    await page.get_by_role("button", name="Add a passkey").click()
    await expect(page.get_by_role("status")).to_have_text(f"Passkey “{name}” added.")


async def sign_out(page: Page) -> None:
    await page.get_by_role("button", name="Sign out", exact=True).click()
    await expect(page.get_by_role("heading", name="Sign in to Parley")).to_be_visible()


async def test_a_passkey_signs_in_without_a_password_and_as_the_second_step(
    browser: Browser, passkey_server: ServerProcess, smtp: SmtpSink
) -> None:
    vera = await register(browser, passkey_server, smtp, "vera")
    page = vera.page
    chat = page.get_by_role("navigation", name="Conversations")
    await add_authenticator(page)
    await add_passkey(page, "Laptop")
    # the first second factor brings recovery codes, shown once
    await expect(
        page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    ).to_have_count(10)
    mine = page.get_by_role("list", name="Your passkeys").get_by_role("listitem")
    await expect(mine).to_have_count(1)
    await expect(mine.get_by_role("heading", name="Laptop")).to_be_visible()
    await expect(mine).to_contain_text("Never")
    await audit(page, "passkeys-added")
    await page.get_by_role("button", name="I have saved them").click()

    await sign_out(page)
    await audit(page, "sign-in-with-passkey-button")
    await page.get_by_role("button", name="Use a passkey instead of a password").click()
    await expect(chat).to_be_visible()

    await page.goto("/security")
    await expect(mine).not_to_contain_text("Never")
    await page.get_by_role("button", name="Rename Laptop").click()
    await page.get_by_label("New name").fill("Work laptop")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_have_text("Passkey renamed.")
    await expect(mine.get_by_role("heading", name="Work laptop")).to_be_visible()

    # after the password, the passkey is the second factor
    await sign_out(page)
    await page.get_by_label("Username or email").fill(vera.username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    await expect(page.get_by_label("Recovery code")).to_be_visible()
    await audit(page, "second-factor-passkey")
    await page.get_by_role("button", name="Use a passkey", exact=True).click()
    await expect(chat).to_be_visible()

    # removing it asks for the password
    await page.goto("/security")
    await page.get_by_role("button", name="Remove Work laptop").click()
    await page.get_by_label("Current password").fill("not my password")
    await page.get_by_role("button", name="Remove", exact=True).click()
    await expect(page.get_by_role("alert")).to_have_text("Wrong password.")
    await page.get_by_label("Current password").fill(PASSWORD)
    await page.get_by_role("button", name="Remove", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text("Passkey “Work laptop” removed.")
    await expect(page.get_by_text("No passkeys yet.")).to_be_visible()
    await expect(page.get_by_role("heading", name="Recovery codes")).to_have_count(0)

    # the authenticator still holds the credential; the server no longer knows it
    await sign_out(page)
    await page.get_by_role("button", name="Use a passkey instead of a password").click()
    await expect(page.get_by_role("alert")).to_have_text(
        "This passkey is not registered here, or it could not be verified."
    )
    vera.check_clean()
    await vera.context.close()


async def test_another_person_neither_sees_nor_changes_my_passkeys(
    browser: Browser, passkey_server: ServerProcess, smtp: SmtpSink
) -> None:
    wes = await register(browser, passkey_server, smtp, "wes")
    await add_authenticator(wes.page)
    await add_passkey(wes.page, "Phone")
    xan = await register(browser, passkey_server, smtp, "xan")
    await xan.page.goto("/security")
    await expect(xan.page.get_by_text("No passkeys yet.")).to_be_visible()
    async with httpx.AsyncClient(base_url=passkey_server.url) as http:
        wes_headers = {"Authorization": f"Bearer {await token_of(wes.page)}"}
        xan_headers = {"Authorization": f"Bearer {await token_of(xan.page)}"}
        (key,) = (await http.get("/v1/auth/passkeys", headers=wes_headers)).json()
        assert (await http.get("/v1/auth/passkeys", headers=xan_headers)).json() == []
        url = f"/v1/auth/passkeys/{key['id']}"
        renamed = await http.patch(url, json={"name": "Mine"}, headers=xan_headers)
        assert renamed.status_code == 404
        removed = await http.request(
            "DELETE", url, json={"current_password": PASSWORD}, headers=xan_headers
        )
        assert removed.status_code == 404
        (kept,) = (await http.get("/v1/auth/passkeys", headers=wes_headers)).json()
        assert kept["name"] == "Phone"
    wes.check_clean()
    xan.check_clean()
    await wes.context.close()
    await xan.context.close()
