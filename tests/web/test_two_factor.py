"""Two-factor sign-in with an authenticator app, as a person does it: the secret is read off
the page and codes are computed with pyotp, as the app would. Enrol (a wrong first code, then
the right one; the recovery codes shown once and downloaded), sign out, sign in with password
and code, then with a recovery code (refused the second time), turn it off with the password;
new recovery codes replace the old ones; the same screens in Russian."""

from __future__ import annotations

import re
import time

import anyio
import pyotp
from playwright.async_api import Browser, Page, expect

from tests.support.accounts import PASSWORD
from tests.support.servers import ServerProcess, SmtpSink
from tests.web.people import audit, register


def code_at(secret: str, shift: int = 0) -> str:
    return str(pyotp.TOTP(secret).at(int(time.time()) + shift))


def wrong(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


async def sign_out(page: Page) -> None:
    await page.get_by_role("button", name="Sign out", exact=True).click()
    await expect(page.get_by_role("heading", name="Sign in to Parley")).to_be_visible()


async def password_step(page: Page, login: str, password: str = PASSWORD) -> None:
    await page.get_by_label("Username or email").fill(login)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in", exact=True).click()


async def second_step(page: Page, label: str, code: str, button: str = "Verify") -> None:
    await page.get_by_label(label).fill(code)
    await page.get_by_role("button", name=button, exact=True).click()


async def test_enrol_sign_in_with_a_code_and_a_recovery_code_then_turn_it_off(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink
) -> None:
    tom = await register(browser, web_server, smtp, "tom")
    page = tom.page
    chat = page.get_by_role("navigation", name="Conversations")
    await page.get_by_role("link", name="Security").click()
    await expect(page.get_by_text("Off. Turn it on")).to_be_visible()
    await page.get_by_role("button", name="Set up the authenticator app").click()
    await expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = await page.get_by_label("Setup key").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    await audit(page, "totp-enrol")

    first = code_at(secret)
    await page.get_by_label("Code from the app").fill(wrong(first))
    await page.get_by_role("button", name="Turn on").click()
    await expect(page.get_by_role("alert")).to_contain_text("check that the clock")
    await page.get_by_label("Code from the app").fill(first)
    await page.get_by_role("button", name="Turn on").click()
    shown = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    await expect(shown).to_have_count(10)
    codes = [text.strip() for text in await shown.all_inner_texts()]
    assert all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", code) for code in codes), codes
    async with page.expect_download() as downloading:
        await page.get_by_role("button", name="Download").click()
    download = await downloading.value
    assert download.suggested_filename == "parley-recovery-codes.txt"
    saved = await anyio.Path(await download.path()).read_text()
    assert all(code in saved for code in codes)
    await audit(page, "totp-recovery-codes")
    await page.get_by_role("button", name="I have saved them").click()
    await expect(shown).to_have_count(0)
    await expect(page.get_by_text("On: signing in with your password")).to_be_visible()
    await expect(page.get_by_text("10 unused recovery codes left")).to_be_visible()

    # password, then a code from the app (the next step: the first one was used up)
    await sign_out(page)
    await password_step(page, tom.username)
    await expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    await audit(page, "second-factor-totp")
    await second_step(page, "Authentication code", wrong(code_at(secret, 30)))
    await expect(page.get_by_role("alert")).to_have_text("Wrong code: 4 tries left.")
    await second_step(page, "Authentication code", code_at(secret, 30))
    await expect(chat).to_be_visible()

    # a recovery code works once
    for attempt in ("first", "again"):
        await sign_out(page)
        await password_step(page, tom.email)
        await page.get_by_role("button", name="Use a recovery code instead").click()
        if attempt == "first":
            await audit(page, "second-factor-recovery")
        await second_step(page, "Recovery code", codes[0])
        if attempt == "first":
            await expect(chat).to_be_visible()
    await expect(page.get_by_role("alert")).to_have_text("Wrong code: 4 tries left.")
    await second_step(page, "Recovery code", codes[1].replace("-", "").upper())
    await expect(chat).to_be_visible()

    # turning it off asks for the password
    await page.get_by_role("link", name="Security").click()
    await expect(page.get_by_text("8 unused recovery codes left")).to_be_visible()
    await page.get_by_role("button", name="Turn off").click()
    await page.get_by_label("Current password").fill("not my password")
    await page.get_by_role("button", name="Turn off").click()
    await expect(page.get_by_role("alert")).to_have_text("Wrong password.")
    await audit(page, "totp-turn-off")
    await page.get_by_label("Current password").fill(PASSWORD)
    await page.get_by_role("button", name="Turn off").click()
    await expect(page.get_by_role("status")).to_have_text("The authenticator app is off.")
    await expect(page.get_by_role("heading", name="Recovery codes")).to_have_count(0)
    await sign_out(page)
    await password_step(page, tom.username)
    await expect(chat).to_be_visible()
    tom.check_clean()
    await tom.context.close()


async def test_new_recovery_codes_need_the_password_and_replace_the_old_ones(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink
) -> None:
    una = await register(browser, web_server, smtp, "una")
    page = una.page
    await page.goto("/security")
    await page.get_by_role("button", name="Set up the authenticator app").click()
    secret = await page.get_by_label("Setup key").input_value()
    await page.get_by_label("Code from the app").fill(code_at(secret))
    await page.get_by_role("button", name="Turn on").click()
    shown = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    await expect(shown).to_have_count(10)
    old = [text.strip() for text in await shown.all_inner_texts()]
    await page.get_by_role("button", name="I have saved them").click()

    await page.get_by_role("button", name="New recovery codes").click()
    await page.get_by_label("Current password").fill("not my password")
    await page.get_by_role("button", name="New recovery codes").click()
    await expect(page.get_by_role("alert")).to_have_text("Wrong password.")
    await page.get_by_label("Current password").fill(PASSWORD)
    await page.get_by_role("button", name="New recovery codes").click()
    await expect(shown).to_have_count(10)
    new = [text.strip() for text in await shown.all_inner_texts()]
    assert not set(new) & set(old)
    await expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_focused()

    await sign_out(page)
    await password_step(page, una.username)
    await page.get_by_role("button", name="Use a recovery code instead").click()
    await second_step(page, "Recovery code", old[0])
    await expect(page.get_by_role("alert")).to_have_text("Wrong code: 4 tries left.")
    await second_step(page, "Recovery code", new[0])
    await expect(page.get_by_role("navigation", name="Conversations")).to_be_visible()
    una.check_clean()
    await una.context.close()


async def test_the_security_and_second_step_screens_speak_russian(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink
) -> None:
    yana = await register(browser, web_server, smtp, "yana")
    page = yana.page
    await page.get_by_label("Language").select_option("ru")
    await page.goto("/security")
    await expect(page.get_by_role("heading", name="Приложение-аутентификатор")).to_be_visible()
    await page.get_by_role("button", name="Подключить приложение-аутентификатор").click()
    secret = await page.get_by_label("Ключ настройки").input_value()
    await page.get_by_label("Код из приложения").fill(code_at(secret))
    await page.get_by_role("button", name="Включить").click()
    await expect(page.get_by_role("heading", name="Сохраните резервные коды")).to_be_visible()
    await expect(page.get_by_role("heading", name="Ключи доступа")).to_be_visible()
    await audit(page, "security-ru")
    await page.get_by_role("button", name="Коды сохранены").click()
    await page.get_by_role("button", name="Выйти", exact=True).click()
    await page.get_by_label("Имя пользователя или email").fill(yana.username)
    await page.get_by_label("Пароль").fill(PASSWORD)
    await page.get_by_role("button", name="Войти", exact=True).click()
    await expect(page.get_by_role("heading", name="Двухфакторный вход")).to_be_visible()
    await second_step(page, "Код подтверждения", wrong(code_at(secret, 30)), "Подтвердить")
    await expect(page.get_by_role("alert")).to_have_text("Неверный код: осталось попыток — 4.")
    await audit(page, "second-factor-ru")
    yana.check_clean()
    await yana.context.close()
