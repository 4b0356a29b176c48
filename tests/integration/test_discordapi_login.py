"""The services the DiscordApi dialect calls for email login with device codes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from fastapi import FastAPI

from parley.identity.accounts.errors import InvalidCredentials
from parley.identity.devices import login as device_login
from parley.identity.devices.errors import (
    CodeExpired,
    DeviceVerificationRequired,
    UnknownAccount,
    WrongCode,
)
from parley.identity.sessions.service import IssuedTokens
from parley.kit.client import ClientInfo
from parley.runtime import Runtime
from parley.settings import Settings
from tests.conftest import asgi_client, running_app
from tests.support.accounts import PASSWORD, register
from tests.support.mail import code_in, last_mail
from tests.support.servers import SmtpSink

CLIENT = ClientInfo(ip="198.51.100.4", user_agent="DiscordClient/2")


@pytest.fixture(scope="module")
async def mail_app(
    make_settings: Callable[..., Settings], smtp: SmtpSink
) -> AsyncIterator[FastAPI]:
    async for app in running_app(make_settings(mail_url=smtp.url)):
        yield app


async def _user(app: FastAPI) -> dict[str, object]:
    async with asgi_client(app) as c:
        return await register(c, "dapi")


async def _login(rt: Runtime, email: str, password: str, fp: str) -> IssuedTokens:
    async with rt.db.unit_of_work() as session:
        return await device_login.login_by_email(
            session,
            email=email,
            password=password,
            fingerprint=fp,
            client=CLIENT,
            settings=rt.settings,
            limiter=rt.limiter,
            mailer=rt.mailer,
            passwords=rt.passwords,
            signer=rt.signer,
        )


async def _confirm(rt: Runtime, email: str, code: str) -> IssuedTokens:
    async with rt.db.unit_of_work() as session:
        return await device_login.confirm_device_and_login(
            session,
            email=email,
            password=PASSWORD,
            code=code,
            client=CLIENT,
            settings=rt.settings,
            limiter=rt.limiter,
            mailer=rt.mailer,
            passwords=rt.passwords,
            signer=rt.signer,
        )


async def test_unknown_email_and_wrong_password_are_distinct_errors(mail_app: FastAPI) -> None:
    rt: Runtime = mail_app.state.runtime
    user = await _user(mail_app)
    with pytest.raises(UnknownAccount):
        await _login(rt, "nobody-at-all@example.com", PASSWORD, "fp")
    with pytest.raises(InvalidCredentials):
        await _login(rt, str(user["email"]), "wrong-password", "fp")


async def test_new_fingerprint_mails_a_code_then_confirm_returns_a_long_token(
    mail_app: FastAPI, smtp: SmtpSink
) -> None:
    rt: Runtime = mail_app.state.runtime
    user = await _user(mail_app)
    email = str(user["email"])
    with pytest.raises(DeviceVerificationRequired) as first:
        await _login(rt, email, PASSWORD, "fp-browser")
    assert first.value.extra["sent_to"] == f"{email[0]}***@example.com"
    code = code_in(await last_mail(smtp, email, "device"))
    with pytest.raises(WrongCode):
        await _confirm(rt, email, "12")
    issued = await _confirm(rt, email, code)
    assert issued.refresh_token is None
    assert issued.session.surface == "discordapi"
    assert issued.session.device_id == "fp-browser"
    with pytest.raises(CodeExpired):
        await _confirm(rt, email, code)
    known = await _login(rt, email, PASSWORD, "fp-browser")
    assert isinstance(known, IssuedTokens)
    with pytest.raises(DeviceVerificationRequired):
        await _login(rt, email, PASSWORD, "fp-other")
