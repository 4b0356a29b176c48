"""oidc-client-ts (the npm library browser apps use), in Chromium, against a running Parley:
a public client on its own origin completes code + PKCE (with userinfo), refreshes, and
logs out. The test plays the web client's `/authorize` screen through its API."""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.async_api import Browser, async_playwright

from tests.oidc.conftest import Provider, callback_params
from tests.support.accounts import Account
from tests.support.servers import free_port

CHROMIUM = os.environ.get("PARLEY_TEST_CHROMIUM", "/usr/bin/chromium")
RP_FILES = Path(__file__).parent / "rp"

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Chromium")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log on the test's output."""


@pytest.fixture(scope="module")
def relying_party_origin() -> Iterator[str]:
    """The app's own origin (another host name than the provider's), serving its page."""
    port = free_port()
    handler = functools.partial(_Quiet, directory=str(RP_FILES))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        await chromium.close()


async def test_oidc_client_ts_signs_in_refreshes_and_logs_out(
    provider: Provider,
    register_app: Callable[..., Any],
    person: Account,
    browser: Browser,
    relying_party_origin: str,
) -> None:
    page_url = f"{relying_party_origin}/index.html"
    app = await register_app(public=True, redirect_uri=page_url, logout_uri=f"{page_url}?out=1")
    settings = {
        "authority": provider.issuer,
        "client_id": app.client_id,
        "redirect_uri": page_url,
        "post_logout_redirect_uri": f"{page_url}?out=1",
        "scope": "openid profile email roles",
        "response_type": "code",
        "loadUserInfo": True,
    }
    page = await (await browser.new_context()).new_page()
    await page.goto(page_url)
    # not awaited in the page: the redirect replaces it
    await page.evaluate("(s) => { new oidc.UserManager(s).signinRedirect(); }", settings)
    # Parley checked the request and sent the browser to the web client's screen
    await page.wait_for_url(re.compile(r"/(authorize|signin)\?"))
    assert page.url.startswith(provider.issuer)
    shown = urlsplit(page.url)
    if shown.path == "/signin":  # the web client asks a signed-out browser to sign in first
        shown = urlsplit(parse_qs(shown.query)["next"][0])
    assert shown.path == "/authorize"
    query = shown.query
    for consent in (None, True):
        answer = await provider.http.post(
            "/v1/oauth/authorize",
            json={"query": query} if consent is None else {"query": query, "consent": consent},
            headers=person.headers,
        )
    redirect_to = answer.json()["redirect_to"]
    assert "code" in callback_params(redirect_to)
    await page.goto(redirect_to)
    user = await page.evaluate(
        """(s) => new oidc.UserManager(s).signinCallback().then((u) => ({
            sub: u.profile.sub, email: u.profile.email, name: u.profile.preferred_username,
            access: u.access_token, refresh: u.refresh_token, scope: u.scope }))""",
        settings,
    )
    assert user["sub"] == str(person.id)
    assert user["email"] == person.email  # from userinfo too
    assert user["name"] == person.username
    assert user["refresh"]

    refreshed = await page.evaluate(
        "(s) => new oidc.UserManager(s).signinSilent().then((u) => u.access_token)", settings
    )
    assert refreshed
    assert refreshed != user["access"]

    await page.evaluate("(s) => { new oidc.UserManager(s).signoutRedirect(); }", settings)
    await page.wait_for_url(re.compile(re.escape(f"{page_url}?out=1")))
    # the Parley session the app signed in with is over
    assert (await provider.http.get("/v1/users/me", headers=person.headers)).status_code == 401
