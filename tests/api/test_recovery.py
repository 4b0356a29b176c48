"""Email verification and password reset over real SMTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from email.message import Message

import httpx
import pytest
from fastapi import FastAPI

from parley.settings import Settings
from tests.conftest import asgi_client, running_app
from tests.support.accounts import PASSWORD, new_account, register, unique_name
from tests.support.mail import code_in, last_mail, link_in, link_token_in, mail_to
from tests.support.servers import SmtpSink

NEW_PASSWORD = "a brand new password"


@pytest.fixture(scope="module")
async def mail_app(
    make_settings: Callable[..., Settings], smtp: SmtpSink
) -> AsyncIterator[FastAPI]:
    async for app in running_app(make_settings(mail_url=smtp.url)):
        yield app


@pytest.fixture
async def mc(mail_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(mail_app) as c:
        yield c


async def test_registration_mails_a_code_that_verifies_the_email(
    mc: httpx.AsyncClient, smtp: SmtpSink
) -> None:
    alice = await new_account(mc, "rec")
    me = await mc.get("/v1/users/me", headers=alice.headers)
    assert me.json()["email_verified_at"] is None
    code = code_in(await last_mail(smtp, alice.email, "verify"))
    assert (await mc.post("/v1/auth/email/verify", json={"code": code})).status_code == 401
    wrong = await mc.post(
        "/v1/auth/email/verify",
        json={"code": f"{(int(code) + 1) % 1_000_000:06d}"},
        headers=alice.headers,
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "invalid_code"
    ok = await mc.post("/v1/auth/email/verify", json={"code": code}, headers=alice.headers)
    assert ok.status_code == 200
    assert ok.json()["id"] == alice.id
    assert ok.json()["email_verified_at"] is not None  # what the web client's banner reads
    again = await mc.post("/v1/auth/email/verify", json={"code": code}, headers=alice.headers)
    assert again.status_code == 400
    # Another account cannot use alice's code.
    bob = await new_account(mc, "rec")
    stolen = await mc.post("/v1/auth/email/verify", json={"code": code}, headers=bob.headers)
    assert stolen.status_code == 400


async def test_verification_link_and_resend(mc: httpx.AsyncClient, smtp: SmtpSink) -> None:
    alice = await new_account(mc, "rec")
    assert (await mc.post("/v1/auth/email/verify/resend")).status_code == 401
    resent = await mc.post("/v1/auth/email/verify/resend", headers=alice.headers)
    assert resent.status_code == 202
    first, second = await _two(smtp, alice.email)
    assert link_in(first, "/verify").startswith("http://testserver/verify?token=")  # web client
    old = link_token_in(first, "/verify")
    new = link_token_in(second, "/verify")
    # the resend superseded the first mail
    link = "/v1/auth/email/verify/link"
    superseded = await mc.post(link, json={"token": old})
    assert superseded.status_code == 400
    assert superseded.json()["error"]["code"] == "invalid_link"
    assert (await mc.post(link, json={"token": new})).status_code == 204
    me = await mc.get("/v1/users/me", headers=alice.headers)
    assert me.json()["email_verified_at"] is not None
    assert (await mc.post(link, json={"token": new})).status_code == 400
    assert (await mc.post(link, json={"token": "junk"})).status_code == 400
    assert (await mc.post(link, json={})).status_code == 422


async def test_verification_links_of_older_mails_still_open_a_server_page(
    mc: httpx.AsyncClient, smtp: SmtpSink
) -> None:
    alice = await new_account(mc, "rec")
    token = link_token_in(await last_mail(smtp, alice.email, "verify"), "/verify")
    page = await mc.get("/v1/auth/email/verify", params={"token": token})
    assert page.status_code == 200
    assert "confirmed" in page.text
    assert (await mc.get("/v1/auth/email/verify", params={"token": token})).status_code == 400
    assert (await mc.get("/v1/auth/email/verify")).status_code == 422


async def _two(smtp: SmtpSink, address: str) -> list[Message]:
    return (await mail_to(smtp, address, "verify", 2))[-2:]


async def test_password_reset_with_code_revokes_every_session(
    mc: httpx.AsyncClient, smtp: SmtpSink
) -> None:
    alice = await new_account(mc, "rec")
    asked = await mc.post("/v1/auth/password-reset", json={"email": alice.email.upper()})
    assert asked.status_code == 202
    code = code_in(await last_mail(smtp, alice.email, "reset"))
    wrong = await mc.post(
        "/v1/auth/password-reset/confirm",
        json={
            "email": alice.email,
            "code": f"{(int(code) + 1) % 1_000_000:06d}",
            "new_password": NEW_PASSWORD,
        },
    )
    assert wrong.status_code == 400
    done = await mc.post(
        "/v1/auth/password-reset/confirm",
        json={"email": alice.email, "code": code, "new_password": NEW_PASSWORD},
    )
    assert done.status_code == 204
    assert (await mc.get("/v1/users/me", headers=alice.headers)).status_code == 401
    old = await mc.post("/v1/auth/login", json={"login": alice.username, "password": PASSWORD})
    assert old.status_code == 401
    new = await mc.post("/v1/auth/login", json={"login": alice.username, "password": NEW_PASSWORD})
    assert new.status_code == 200
    reused = await mc.post(
        "/v1/auth/password-reset/confirm",
        json={"email": alice.email, "code": code, "new_password": "yet another one"},
    )
    assert reused.status_code == 400


async def test_password_reset_by_link(mc: httpx.AsyncClient, smtp: SmtpSink) -> None:
    alice = await new_account(mc, "rec")
    await mc.post("/v1/auth/password-reset", json={"email": alice.email})
    token = link_token_in(await last_mail(smtp, alice.email, "reset"), "/reset")
    page = await mc.get("/v1/auth/password-reset", params={"token": token})
    assert page.status_code == 200
    assert f'token:"{token}"' in page.text
    evil = await mc.get("/v1/auth/password-reset", params={"token": '"</script>'})
    assert evil.status_code == 422
    short = await mc.post(
        "/v1/auth/password-reset/confirm", json={"token": token, "new_password": "short"}
    )
    assert short.status_code == 422
    done = await mc.post(
        "/v1/auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert done.status_code == 204
    again = await mc.post(
        "/v1/auth/password-reset/confirm", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "invalid_link"


async def test_reset_answers_never_reveal_whether_an_email_is_registered(
    mc: httpx.AsyncClient, smtp: SmtpSink
) -> None:
    user = await register(mc, "rec")
    nobody = f"{unique_name()}@example.com"
    known = await mc.post("/v1/auth/password-reset", json={"email": user["email"]})
    unknown = await mc.post("/v1/auth/password-reset", json={"email": nobody})
    invalid = await mc.post("/v1/auth/password-reset", json={"email": "not an email"})
    assert known.status_code == unknown.status_code == invalid.status_code == 202
    assert known.json() == unknown.json() == invalid.json()
    await last_mail(smtp, user["email"], "reset")
    confirm_unknown = await mc.post(
        "/v1/auth/password-reset/confirm",
        json={"email": nobody, "code": "123456", "new_password": NEW_PASSWORD},
    )
    confirm_known = await mc.post(
        "/v1/auth/password-reset/confirm",
        json={"email": user["email"], "code": "000000x", "new_password": NEW_PASSWORD},
    )
    assert confirm_unknown.status_code == confirm_known.status_code == 400
    await asyncio.sleep(0.05)
    assert smtp.to(nobody) == []


async def test_reset_requests_are_rate_limited_per_address_known_or_not(
    make_settings: Callable[..., Settings], smtp: SmtpSink
) -> None:
    settings = make_settings(
        mail_url=smtp.url,
        rate_limits_enabled=True,
        rate_code_mail="2/minute",
        redis_prefix=f"rl-{unique_name()}",
    )
    async for app in running_app(settings):
        async with asgi_client(app) as c:
            user = await register(c, "rec")
            for email in (user["email"], f"{unique_name()}@example.com"):
                statuses = [
                    (await c.post("/v1/auth/password-reset", json={"email": email})).status_code
                    for _ in range(3)
                ]
                assert statuses == [202, 202, 429]
