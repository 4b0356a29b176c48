"""Passkeys in Chromium through the DevTools virtual authenticator (Playwright's CDP session):
a platform authenticator enrols and signs in without a password, a roaming one (USB security
key) enrols and answers the second factor of a password sign-in. The browser does only the
WebAuthn part; the API calls go through httpx, as the web client's would."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, CDPSession, Page, async_playwright

from parley.settings import Settings
from parley.testing import ServerProcess, free_port, start_server
from tests.support.accounts import PASSWORD, new_account

CHROMIUM = os.environ.get("PARLEY_TEST_CHROMIUM", "/usr/bin/chromium")

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Chromium")

CREATE = """async (options) => {
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options);
  return (await navigator.credentials.create({ publicKey })).toJSON();
}"""
GET = """async (options) => {
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options);
  return (await navigator.credentials.get({ publicKey })).toJSON();
}"""


@pytest.fixture(scope="module")
def server(
    make_settings: Callable[..., Settings], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    # WebAuthn needs a domain for the relying party id (no IP address): localhost
    port = free_port()
    settings = make_settings(public_url=f"http://localhost:{port}")
    process = start_server(settings, str(tmp_path_factory.mktemp("passkeys")), port=port)
    yield process
    process.stop()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        await chromium.close()


async def page_with_authenticator(
    browser: Browser, server: ServerProcess, transport: str
) -> tuple[Page, CDPSession]:
    page = await (await browser.new_context()).new_page()
    await page.goto(f"http://localhost:{server.port}/v1/health/live")
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("WebAuthn.enable")
    await cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": transport,
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return page, cdp


async def enrol(page: Page, http: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    offered = (await http.post("/v1/auth/passkeys/registration/options", headers=headers)).json()
    credential = await page.evaluate(CREATE, offered["options"])
    added = await http.post(
        "/v1/auth/passkeys/registration",
        json={"challenge_id": offered["challenge_id"], "credential": credential},
        headers=headers,
    )
    assert added.status_code == 201, added.text
    body: dict[str, Any] = added.json()
    return body


async def test_a_platform_passkey_enrols_and_signs_in_without_a_password(
    browser: Browser, server: ServerProcess
) -> None:
    page, _cdp = await page_with_authenticator(browser, server, "internal")
    async with httpx.AsyncClient(base_url=server.url) as http:
        person = await new_account(http, "chromium")
        added = await enrol(page, http, person.headers)
        assert len(added["recovery_codes"]) == 10
        offered = (await http.post("/v1/auth/passkeys/sign-in/options")).json()
        credential = await page.evaluate(GET, offered["options"])
        signed_in = await http.post(
            "/v1/auth/passkeys/sign-in",
            json={"challenge_id": offered["challenge_id"], "credential": credential},
        )
        assert signed_in.status_code == 200, signed_in.text
        assert signed_in.json()["user"]["id"] == person.id


async def test_a_security_key_answers_the_second_factor_of_a_password_sign_in(
    browser: Browser, server: ServerProcess
) -> None:
    page, _cdp = await page_with_authenticator(browser, server, "usb")
    async with httpx.AsyncClient(base_url=server.url) as http:
        person = await new_account(http, "roaming")
        added = await enrol(page, http, person.headers)
        assert added["transports"] == ["usb"]
        login = await http.post(
            "/v1/auth/login", json={"login": person.username, "password": PASSWORD}
        )
        assert login.status_code == 401
        error = login.json()["error"]
        assert error["code"] == "second_factor_required"
        credential = await page.evaluate(GET, error["passkey"]["options"])
        finished = await http.post(
            "/v1/auth/login/2fa",
            json={
                "challenge": error["challenge"],
                "passkey": {
                    "challenge_id": error["passkey"]["challenge_id"],
                    "credential": credential,
                },
            },
        )
        assert finished.status_code == 200, finished.text
        assert finished.json()["user"]["id"] == person.id
