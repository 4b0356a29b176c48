"""The OpenID Connect consent screen: an app registered through the real service sends a
signed-out browser to Parley; the person signs in, sees the app's name and what it asks for,
and Allow or Deny lands on the app's redirect URI (answered here by a routed stub) with a code
or `error=access_denied`. A first-party app gets no screen."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from playwright.async_api import Browser, Page, Route, expect

from parley.oidc import clients
from parley.runtime import Runtime
from tests.support.accounts import PASSWORD, Account, new_account, unique_name
from tests.support.mail import code_in, mail_to
from tests.support.servers import ServerProcess, SmtpSink
from tests.web.people import audit, enter_code, open_browser

VERIFIER = "v" * 43
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=")
CALLBACK = re.compile(r"^http://127\.0\.0\.1:9/[^/]+/callback\?")
SCOPES = ["Your identity", "Your name and profile", "Your email address"]


@dataclass(frozen=True)
class RelyingParty:
    name: str
    client_id: str
    secret: str
    redirect_uri: str


async def register_app(runtime: Runtime, *, first_party: bool = False) -> RelyingParty:
    """A confidential client made by the service `parley apps create` uses."""
    name = unique_name("rp")
    redirect_uri = f"http://127.0.0.1:9/{name}/callback"
    async with runtime.db.unit_of_work() as session:
        _, registered = await clients.create_app(
            session,
            url=f"https://{name}.example.com",
            name=f"App {name}",
            redirect_uris=[redirect_uri],
            first_party=first_party,
        )
    assert registered is not None
    assert registered.secret is not None
    return RelyingParty(f"App {name}", registered.client.client_id, registered.secret, redirect_uri)


def authorize_url(server: ServerProcess, rp: RelyingParty, state: str) -> str:
    query = {
        "response_type": "code",
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "scope": "openid profile email",
        "state": state,
        "code_challenge": CHALLENGE.decode(),
        "code_challenge_method": "S256",
    }
    return f"{server.url}/oauth/authorize?{urlencode(query)}"


async def open_signed_out(
    browser: Browser, server: ServerProcess
) -> tuple[Page, list[str], Account]:
    """A fresh browser whose requests to the apps' callbacks a stub answers; an account."""
    context, page, problems = await open_browser(browser, server)

    async def stub(route: Route) -> None:
        await route.fulfill(status=200, content_type="text/plain", body="the app's callback")

    await context.route(re.compile(r"^http://127\.0\.0\.1:9/"), stub)
    async with httpx.AsyncClient(base_url=server.url) as http:
        who = await new_account(http, "oidc")
    return page, problems, who


async def sign_in_here(page: Page, who: Account, smtp: SmtpSink) -> None:
    await expect(page.get_by_role("heading", name="Sign in to Parley")).to_be_visible()
    await page.get_by_label("Username or email").fill(who.username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Confirm this device")).to_be_visible()
    await enter_code(page, code_in((await mail_to(smtp, who.email, "device", 1))[-1]))


async def expect_consent(page: Page, app_name: str) -> None:
    await expect(page.get_by_role("heading", name="Sign in to an application")).to_be_visible()
    await expect(page.get_by_text(f"{app_name} wants to use your Parley account.")).to_be_visible()
    await expect(page.get_by_role("main").get_by_role("listitem")).to_have_text(SCOPES)


def callback_query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


async def test_signed_out_person_signs_in_allows_and_the_app_redeems_the_code(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink, runtime: Runtime
) -> None:
    rp = await register_app(runtime)
    page, problems, who = await open_signed_out(browser, web_server)
    await page.goto(authorize_url(web_server, rp, "st-allow"))
    await sign_in_here(page, who, smtp)
    await expect_consent(page, rp.name)
    await audit(page, "oidc-consent")
    await page.get_by_role("button", name="Allow").click()

    await expect(page).to_have_url(CALLBACK)
    query = callback_query(page)
    assert query["state"] == ["st-allow"]
    assert query["code"]
    async with httpx.AsyncClient(base_url=web_server.url) as http:
        answer = await http.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": query["code"][0],
                "redirect_uri": rp.redirect_uri,
                "code_verifier": VERIFIER,
            },
            auth=(rp.client_id, rp.secret),
        )
    assert answer.status_code == 200, answer.text
    token = answer.json()
    assert token["token_type"].lower() == "bearer"
    assert token["id_token"]
    assert not problems, problems
    await page.context.close()


async def test_deny_sends_access_denied_and_a_first_party_app_skips_the_screen(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink, runtime: Runtime
) -> None:
    rp = await register_app(runtime)
    page, problems, who = await open_signed_out(browser, web_server)
    await page.goto(authorize_url(web_server, rp, "st-deny"))
    await sign_in_here(page, who, smtp)
    await expect_consent(page, rp.name)
    await page.get_by_role("button", name="Deny").click()
    await expect(page).to_have_url(CALLBACK)
    query = callback_query(page)
    assert query["error"] == ["access_denied"]
    assert query["state"] == ["st-deny"]
    assert "code" not in query

    # Signed in now: a first-party app goes straight back with a code, no consent screen.
    first_party = await register_app(runtime, first_party=True)
    await page.goto(authorize_url(web_server, first_party, "st-first"))
    await expect(page).to_have_url(CALLBACK)
    query = callback_query(page)
    assert query["code"]
    assert query["state"] == ["st-first"]
    assert not problems, problems
    await page.context.close()
