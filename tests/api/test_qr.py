"""Native QR sign-in over HTTP: approval, emailed codes, check codes, expiry, races."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from parley.identity.qr import service as qr
from parley.kit.client import ClientInfo
from parley.kit.time import clock
from parley.runtime import Runtime
from parley.settings import Settings
from tests.conftest import asgi_client, running_app
from tests.support.accounts import PASSWORD, Account, new_account
from tests.support.mail import code_in, last_mail
from tests.support.servers import SmtpSink

DESKTOP = ClientInfo(ip="192.0.2.10", user_agent="DesktopBrowser/3", device_id="desk-1")


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


@pytest.fixture
def rt(mail_app: FastAPI) -> Runtime:
    runtime: Runtime = mail_app.state.runtime
    return runtime


async def new_ticket(rt: Runtime, client: ClientInfo = DESKTOP) -> qr.NewTicket:
    async with rt.db.unit_of_work() as session:
        return await qr.create_ticket(session, client, settings=rt.settings)


async def exchange_code(rt: Runtime, ticket: qr.NewTicket) -> str | None:
    """What the desktop's socket would receive (see the e2e tests for the socket itself)."""
    async with rt.db.unit_of_work() as session:
        return await qr.issue_exchange_code(session, ticket.record.id)


async def trusted_phone(mc: httpx.AsyncClient, smtp: SmtpSink) -> Account:
    """An account signed in on a device it proved with a code."""
    who = await new_account(mc, "qr")
    first = await mc.post(
        "/v1/auth/login", json={"login": who.username, "password": PASSWORD, "device_id": "ph"}
    )
    code = code_in(await last_mail(smtp, who.email, "device"))
    done = await mc.post(
        "/v1/auth/login/verify",
        json={"challenge": first.json()["error"]["challenge"], "code": code},
    )
    who.access_token = done.json()["access_token"]
    who.session_id = done.json()["session_id"]
    return who


async def approve(
    mc: httpx.AsyncClient, who: Account, ticket: qr.NewTicket, check: str | None = None
) -> httpx.Response:
    return await mc.post(
        f"/v1/qr/{ticket.ticket}/approve",
        json={"check_code": check or ticket.check_code},
        headers=who.headers,
    )


async def test_trusted_phone_approves_and_desktop_gets_one_session(
    mc: httpx.AsyncClient, smtp: SmtpSink, rt: Runtime
) -> None:
    phone = await trusted_phone(mc, smtp)
    ticket = await new_ticket(rt)
    info = await mc.get(f"/v1/qr/{ticket.ticket}", headers=phone.headers)
    assert info.status_code == 200
    assert info.json()["ip"] == "192.0.2.10"
    assert info.json()["user_agent"] == "DesktopBrowser/3"
    assert info.json()["status"] == "pending"
    ok = await approve(mc, phone, ticket)
    assert ok.json() == {"status": "approved", "sent_to": None}
    code = await exchange_code(rt, ticket)
    assert code is not None
    assert await exchange_code(rt, ticket) is None  # only one exchange code, ever
    body = {"ticket": ticket.ticket, "exchange_code": code, "device_id": "desk-1"}
    tokens = await mc.post("/v1/qr/exchange", json=body)
    assert tokens.status_code == 200, tokens.text
    assert tokens.json()["user"]["id"] == phone.id
    assert (await mc.post("/v1/qr/exchange", json=body)).status_code in (404, 409)
    # vouched for by a trusted phone, the desktop is a known device now
    listed = (await mc.get("/v1/devices", headers=phone.headers)).json()
    assert {d["device_id"] for d in listed} == {"ph", "desk-1"}


async def test_untrusted_phone_needs_the_emailed_code_for_an_unknown_desktop(
    mc: httpx.AsyncClient, smtp: SmtpSink, rt: Runtime
) -> None:
    phone = await new_account(mc, "qr")  # signed in without a proven device
    ticket = await new_ticket(rt)
    pending = await approve(mc, phone, ticket)
    assert pending.json() == {
        "status": "code_required",
        "sent_to": f"{phone.email[0]}***@example.com",
    }
    assert await exchange_code(rt, ticket) is None
    code = code_in(await last_mail(smtp, phone.email, "device"))
    wrong = await mc.post(
        f"/v1/qr/{ticket.ticket}/confirm", json={"code": f"{(int(code) + 1) % 10**6:06d}"}
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"]["tries_left"] == 4
    ok = await mc.post(f"/v1/qr/{ticket.ticket}/confirm", json={"code": code})
    assert ok.json() == {"status": "approved", "sent_to": None}
    again = await mc.post(f"/v1/qr/{ticket.ticket}/confirm", json={"code": code})
    assert again.status_code == 404
    exchange = await exchange_code(rt, ticket)
    assert exchange is not None
    tokens = await mc.post(
        "/v1/qr/exchange", json={"ticket": ticket.ticket, "exchange_code": exchange}
    )
    assert tokens.status_code == 200
    assert tokens.json()["user"]["id"] == phone.id


async def test_setting_can_require_codes_even_from_trusted_phones(
    make_settings: Callable[..., Settings], smtp: SmtpSink
) -> None:
    settings = make_settings(mail_url=smtp.url, qr_trusted_approver_skips_code=False)
    async for app in running_app(settings):
        async with asgi_client(app) as c:
            phone = await trusted_phone(c, smtp)
            ticket = await new_ticket(app.state.runtime)
            assert (await approve(c, phone, ticket)).json()["status"] == "code_required"


async def test_two_concurrent_approvals_yield_one_session(
    mc: httpx.AsyncClient, smtp: SmtpSink, rt: Runtime
) -> None:
    alice, bob = await trusted_phone(mc, smtp), await trusted_phone(mc, smtp)
    ticket = await new_ticket(rt)
    results = await asyncio.gather(approve(mc, alice, ticket), approve(mc, bob, ticket))
    assert sorted(r.status_code for r in results) == [200, 409]
    winner = alice if results[0].status_code == 200 else bob
    codes = await asyncio.gather(exchange_code(rt, ticket), exchange_code(rt, ticket))
    assert len([c for c in codes if c]) == 1
    code = next(c for c in codes if c)
    body = {"ticket": ticket.ticket, "exchange_code": code}
    exchanges = await asyncio.gather(*[mc.post("/v1/qr/exchange", json=body) for _ in range(3)])
    assert sorted(r.status_code for r in exchanges)[0] == 200
    assert [r.status_code for r in exchanges].count(200) == 1
    ok = next(r for r in exchanges if r.status_code == 200)
    assert ok.json()["user"]["id"] == winner.id


async def test_wrong_check_codes_kill_the_ticket(
    mc: httpx.AsyncClient, smtp: SmtpSink, rt: Runtime
) -> None:
    phone = await trusted_phone(mc, smtp)
    ticket = await new_ticket(rt)
    statuses = [(await approve(mc, phone, ticket, "WRONG0")).status_code for _ in range(5)]
    assert statuses == [400, 400, 400, 400, 404]
    assert (await approve(mc, phone, ticket)).status_code == 404
    assert (
        await mc.get(f"/v1/qr/{ticket.ticket}/qr.png", params={"check": ticket.check_code})
    ).status_code == 404


async def test_expired_ticket_is_gone(mc: httpx.AsyncClient, smtp: SmtpSink, rt: Runtime) -> None:
    phone = await trusted_phone(mc, smtp)
    ticket = await new_ticket(rt)
    clock.advance(121)
    assert (await mc.get(f"/v1/qr/{ticket.ticket}", headers=phone.headers)).status_code == 404
    assert (await approve(mc, phone, ticket)).status_code == 404


async def test_approved_then_expired_cannot_be_exchanged(
    mc: httpx.AsyncClient, smtp: SmtpSink, rt: Runtime
) -> None:
    phone = await trusted_phone(mc, smtp)
    ticket = await new_ticket(rt)
    await approve(mc, phone, ticket)
    code = await exchange_code(rt, ticket)
    clock.advance(121)
    late = await mc.post("/v1/qr/exchange", json={"ticket": ticket.ticket, "exchange_code": code})
    assert late.status_code == 404


async def test_exchange_from_another_device_or_with_a_wrong_code_fails(
    mc: httpx.AsyncClient, smtp: SmtpSink, rt: Runtime
) -> None:
    phone = await trusted_phone(mc, smtp)
    ticket = await new_ticket(rt)
    await approve(mc, phone, ticket)
    code = await exchange_code(rt, ticket)
    other = await mc.post(
        "/v1/qr/exchange",
        json={"ticket": ticket.ticket, "exchange_code": code, "device_id": "not-desk-1"},
    )
    assert other.status_code == 403
    assert other.json()["error"]["code"] == "wrong_device"
    guess = await mc.post(
        "/v1/qr/exchange", json={"ticket": ticket.ticket, "exchange_code": "guess"}
    )
    assert guess.status_code == 404
    ok = await mc.post("/v1/qr/exchange", json={"ticket": ticket.ticket, "exchange_code": code})
    assert ok.status_code == 200


async def test_auth_other_users_missing_tickets_and_bad_input(
    mc: httpx.AsyncClient, smtp: SmtpSink, rt: Runtime
) -> None:
    alice = await trusted_phone(mc, smtp)
    bob = await new_account(mc, "qr")
    ticket = await new_ticket(rt)
    assert (await mc.get(f"/v1/qr/{ticket.ticket}")).status_code == 401
    no_token = await mc.post(f"/v1/qr/{ticket.ticket}/approve", json={"check_code": "X"})
    assert no_token.status_code == 401
    assert (await mc.get("/v1/qr/nope", headers=alice.headers)).status_code == 404
    assert (
        await mc.post("/v1/qr/nope/approve", json={"check_code": "X"}, headers=alice.headers)
    ).status_code == 404
    assert (
        await mc.post(f"/v1/qr/{ticket.ticket}/approve", json={}, headers=alice.headers)
    ).status_code == 422
    assert (await mc.post("/v1/qr/exchange", json={"ticket": 1})).status_code == 422
    assert (await mc.post("/v1/qr/nope/confirm", json={"code": "123456"})).status_code == 404
    await approve(mc, alice, ticket)
    # once alice approved it, the ticket is hers: bob sees nothing
    assert (await mc.get(f"/v1/qr/{ticket.ticket}", headers=bob.headers)).status_code == 404
    assert (await approve(mc, bob, ticket)).status_code == 409


async def deny(
    mc: httpx.AsyncClient, who: Account, ticket: qr.NewTicket, check: str | None = None
) -> httpx.Response:
    return await mc.post(
        f"/v1/qr/{ticket.ticket}/deny",
        json={"check_code": check or ticket.check_code},
        headers=who.headers,
    )


async def test_phone_denies_a_ticket_and_it_is_gone(
    mc: httpx.AsyncClient, smtp: SmtpSink, rt: Runtime
) -> None:
    phone = await trusted_phone(mc, smtp)
    ticket = await new_ticket(rt)
    wrong = await deny(mc, phone, ticket, "WRONG0")
    assert wrong.status_code == 400
    assert (await deny(mc, phone, ticket)).status_code == 204
    assert (await deny(mc, phone, ticket)).status_code == 404
    assert (await approve(mc, phone, ticket)).status_code == 404
    assert (await mc.get(f"/v1/qr/{ticket.ticket}", headers=phone.headers)).status_code == 404
    assert await exchange_code(rt, ticket) is None
    async with rt.db.unit_of_work() as session:
        record = await session.get(type(ticket.record), ticket.record.id)
        assert record is not None
        assert record.status == qr.DENIED


async def test_the_approver_denies_while_the_code_is_awaited_and_nobody_else_can(
    mc: httpx.AsyncClient, smtp: SmtpSink, rt: Runtime
) -> None:
    alice = await new_account(mc, "qr")  # untrusted phone: approval waits for the code
    bob = await new_account(mc, "qr")
    ticket = await new_ticket(rt)
    assert (await approve(mc, alice, ticket)).json()["status"] == "code_required"
    assert (await deny(mc, bob, ticket)).status_code == 404
    assert (await deny(mc, alice, ticket)).status_code == 204
    code = code_in(await last_mail(smtp, alice.email, "device"))
    late = await mc.post(f"/v1/qr/{ticket.ticket}/confirm", json={"code": code})
    assert late.status_code == 404


async def test_deny_needs_a_session_a_real_ticket_and_a_check_code(
    mc: httpx.AsyncClient, smtp: SmtpSink, rt: Runtime
) -> None:
    alice = await trusted_phone(mc, smtp)
    ticket = await new_ticket(rt)
    anonymous = await mc.post(f"/v1/qr/{ticket.ticket}/deny", json={"check_code": "X"})
    assert anonymous.status_code == 401
    missing = await mc.post("/v1/qr/nope/deny", json={"check_code": "X"}, headers=alice.headers)
    assert missing.status_code == 404
    bad = await mc.post(f"/v1/qr/{ticket.ticket}/deny", json={}, headers=alice.headers)
    assert bad.status_code == 422
    assert (await approve(mc, alice, ticket)).status_code == 200
    assert (await deny(mc, alice, ticket)).status_code == 404  # approved already


async def test_qr_images(mc: httpx.AsyncClient, rt: Runtime) -> None:
    ticket = await new_ticket(rt)
    png = await mc.get(f"/v1/qr/{ticket.ticket}/qr.png", params={"check": ticket.check_code})
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    svg = await mc.get(f"/v1/qr/{ticket.ticket}/qr.svg", params={"check": ticket.check_code})
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content
    assert ticket.url == f"http://testserver/qr/{ticket.ticket}?c={ticket.check_code}"
    wrong = await mc.get(f"/v1/qr/{ticket.ticket}/qr.svg", params={"check": "NOPE00"})
    assert wrong.status_code == 400
    assert (await mc.get(f"/v1/qr/{ticket.ticket}/qr.svg")).status_code == 422


async def test_concurrent_wrong_check_codes_still_kill_the_ticket(
    mc: httpx.AsyncClient, smtp: SmtpSink, rt: Runtime
) -> None:
    """Issue 13, item 5: 20 concurrent wrong codes left the ticket alive, and the right code
    still worked afterwards (unlimited guessing)."""
    phone = await trusted_phone(mc, smtp)
    ticket = await new_ticket(rt)
    results = await asyncio.gather(*[approve(mc, phone, ticket, "WRONG0") for _ in range(20)])
    assert [r.status_code for r in results].count(400) <= 4
    assert {r.status_code for r in results} <= {400, 404}
    png = f"/v1/qr/{ticket.ticket}/qr.png"
    assert (await mc.get(png, params={"check": "WRONG1"})).status_code == 404
    assert (await mc.get(png, params={"check": ticket.check_code})).status_code == 404
    assert (await approve(mc, phone, ticket)).status_code == 404
