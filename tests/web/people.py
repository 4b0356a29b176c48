"""What a person does in the web client, step by step, by role and label; and the checks every
screen gets (axe-core, a screenshot, no console errors such as CSP violations)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.support.accounts import PASSWORD, unique_name
from tests.support.mail import code_in, last_mail, mail_to
from tests.support.servers import ServerProcess, SmtpSink

ARTIFACTS = Path(__file__).parent / "artifacts"
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
PHONE = {"width": 390, "height": 844}


@dataclass
class Person:
    username: str
    email: str
    page: Page
    context: BrowserContext
    problems: list[str] = field(default_factory=list)
    user_id: int | None = None

    def check_clean(self) -> None:
        assert not self.problems, self.problems


async def open_browser(
    browser: Browser, server: ServerProcess, *, phone: bool = False, **options: Any
) -> tuple[BrowserContext, Page, list[str]]:
    context = await browser.new_context(
        base_url=server.url, viewport=PHONE if phone else {"width": 1280, "height": 800}, **options
    )
    page = await context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda err: problems.append(f"page error: {err}"))

    def on_console(message: Any) -> None:
        text = message.text
        # The browser logs refused requests (4xx answers the app handles) as console errors.
        if message.type == "error" and "Failed to load resource" not in text:
            problems.append(f"console: {text}")
        if "Content Security Policy" in text:
            problems.append(f"CSP: {text}")

    page.on("console", on_console)
    return context, page, problems


async def audit(page: Page, name: str) -> None:
    """axe-core on the current screen (no serious or critical violation) and a screenshot."""
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(AXE)  # DevTools evaluation: allowed under the page's CSP
    result = await page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: {bad}"


async def enter_code(page: Page, code: str, button: str = "Verify") -> None:
    await page.get_by_label("Code", exact=True).fill(code)
    await page.get_by_role("button", name=button, exact=True).click()


async def register(
    browser: Browser, server: ServerProcess, smtp: SmtpSink, prefix: str, *, phone: bool = False
) -> Person:
    """Create an account in the browser: the form, the new-device code, the email code."""
    context, page, problems = await open_browser(browser, server, phone=phone)
    name = unique_name(prefix)
    person = Person(name, f"{name}@example.com", page, context, problems)
    await page.goto("/")
    await expect(page.get_by_role("heading", name="Sign in to Parley")).to_be_visible()
    await page.get_by_role("link", name="Create an account").click()
    await page.get_by_label("Username").fill(name)
    await page.get_by_label("Email").fill(person.email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Create account").click()
    await expect(page.get_by_role("heading", name="Confirm this device")).to_be_visible()
    await enter_code(page, code_in(await last_mail(smtp, person.email, "device")))
    await expect(page.get_by_role("heading", name="Confirm your email")).to_be_visible()
    await enter_code(page, code_in(await last_mail(smtp, person.email, "verify")), "Confirm email")
    await expect(page).to_have_url(re.compile(r"/chat$"))
    await expect(page.get_by_text("Your email address is not confirmed yet.")).to_have_count(0)
    person.user_id = await page.evaluate(
        "() => JSON.parse(localStorage.getItem('parley.auth')).user.id"
    )
    return person


async def sign_in(page: Page, login: str, smtp: SmtpSink, email: str, codes_before: int) -> None:
    """Sign in with the password; enter the mailed code if this browser is new."""
    await page.goto("/signin")
    await page.get_by_label("Username or email").fill(login)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    challenged = page.get_by_role("heading", name="Confirm this device")
    chat = page.get_by_role("navigation", name="Conversations")
    await expect(challenged.or_(chat)).to_be_visible()
    if await challenged.is_visible():
        mail = (await mail_to(smtp, email, "device", codes_before + 1))[-1]
        await enter_code(page, code_in(mail))
    await expect(chat).to_be_visible()


async def token_of(page: Page) -> str:
    token: str = await page.evaluate(
        "() => JSON.parse(localStorage.getItem('parley.auth')).access_token"
    )
    return token


async def befriend(a: Person, b: Person) -> None:
    """A asks B by username; B accepts (the request arrives live)."""
    await b.page.get_by_role("link", name="Friends").click()
    await a.page.get_by_role("link", name="Friends").click()
    await a.page.get_by_label("Username starts with").fill(b.username[:-2])
    await a.page.get_by_role("button", name="Search").click()
    await (
        a.page.get_by_role("listitem")
        .filter(has_text=b.username)
        .get_by_role("button", name="Add friend")
        .click()
    )
    await b.page.get_by_role("button", name=f"Accept {a.username}").click()
    await expect(a.page.get_by_role("button", name=f"Message {b.username}")).to_be_visible()


async def api_get(server: ServerProcess, page: Page, path: str) -> Any:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        response = await http.get(path, headers={"Authorization": f"Bearer {await token_of(page)}"})
        response.raise_for_status()
        return response.json()


async def send(page: Page, text: str) -> None:
    await page.get_by_label("Message", exact=True).fill(text)
    await page.get_by_role("button", name="Send").click()


def message(page: Page, text: str) -> Any:
    return page.locator("li.message").filter(has_text=text)
