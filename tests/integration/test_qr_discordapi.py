"""The QR hub and services the DiscordApi dialect serves (`pc`/`mb` sockets, client_id hubs)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import Unauthorized
from parley.identity.devices.errors import WrongCode, WrongDevice
from parley.identity.qr import discordapi as dq
from parley.identity.qr import service as qr
from parley.identity.qr.errors import HubTaken, NoDesktop, NoPendingTicket, TicketNotFound
from parley.identity.qr.hub import QrHub
from parley.identity.sessions.tokens import Principal
from parley.kit.client import ClientInfo
from parley.kit.secrets import new_token
from parley.kit.time import clock
from parley.models import QrTicket
from parley.runtime import Runtime
from parley.settings import Settings
from tests.conftest import asgi_client, running_app
from tests.support.accounts import Account, new_account
from tests.support.mail import code_in, last_mail, mail_to
from tests.support.servers import SmtpSink


@pytest.fixture(scope="module")
async def mail_app(
    make_settings: Callable[..., Settings], smtp: SmtpSink
) -> AsyncIterator[FastAPI]:
    async for app in running_app(make_settings(mail_url=smtp.url)):
        yield app


@pytest.fixture(scope="module")
def hub(mail_app: FastAPI) -> QrHub:
    return QrHub(mail_app.state.runtime.bus)


async def account(app: FastAPI) -> Account:
    async with asgi_client(app) as c:
        return await new_account(c, "dq")


def principal(who: Account) -> Principal:
    return Principal(who.id, who.session_id, clock.timestamp() + 60)


async def pending(rt: Runtime, client_id: str, payload: str) -> qr.Outcome:
    async with rt.db.unit_of_work() as session:
        return await dq.pending_ticket(
            session,
            client_id=client_id,
            client_ip="188.131.21.22",
            encrypted_user_payload=payload,
            user_agent="Browser/1",
            settings=rt.settings,
            limiter=rt.limiter,
            mailer=rt.mailer,
        )


async def confirm(rt: Runtime, client_id: str, code: str) -> qr.Outcome:
    async with rt.db.unit_of_work() as session:
        return await dq.pending_ticket_confirmation(
            session, client_id=client_id, confirmation_code=code, settings=rt.settings
        )


async def open_hub(rt: Runtime, client_id: str) -> str:
    async with rt.db.unit_of_work() as session:
        return await dq.open_hub(session, client_id, settings=rt.settings)


async def payload_for(rt: Runtime, client_id: str, ticket_id: int, secret: str) -> str | None:
    async with rt.db.unit_of_work() as session:
        return await dq.issue_user_payload(session, client_id, ticket_id, secret)


async def latest_ticket(session: AsyncSession, client_id: str) -> int:
    ticket = await session.scalar(
        select(QrTicket.id).where(QrTicket.hub == client_id).order_by(QrTicket.id.desc())
    )
    assert ticket is not None
    return ticket


async def redeem(rt: Runtime, client_id: str, user_payload: str) -> Any:
    async with rt.db.unit_of_work() as session:
        return await dq.exchange_user_payload(
            session,
            client_id=client_id,
            user_payload=user_payload,
            client=ClientInfo(),
            settings=rt.settings,
            limiter=rt.limiter,
            mailer=rt.mailer,
            signer=rt.signer,
        )


async def test_unknown_desktop_code_then_only_the_hub_owner_gets_a_payload(
    mail_app: FastAPI, hub: QrHub, smtp: SmtpSink
) -> None:
    rt: Runtime = mail_app.state.runtime
    alice = await account(mail_app)
    client_id = new_token(12)
    pc: list[dict[str, Any]] = []
    mb: list[dict[str, Any]] = []
    secret = await open_hub(rt, client_id)
    with pytest.raises(HubTaken):
        await open_hub(rt, client_id)
    async with hub.join(client_id, pc.append), hub.join(client_id, mb.append):
        assert hub.size(client_id) == 2
        token = dq.encrypt_user_data(principal(alice), settings=rt.settings)
        outcome = await pending(rt, client_id, token)
        assert outcome.event == "code_required"
        assert outcome.sent_to == f"{alice.email[0]}***@example.com"
        assert (
            pc
            == mb
            == [
                {
                    "ticket_id": pc[0]["ticket_id"],
                    "event": "code_required",
                    "sent_to": outcome.sent_to,
                }
            ]
        )
        code = code_in(await last_mail(smtp, alice.email, "device"))
        with pytest.raises(WrongCode):
            await confirm(rt, client_id, f"{(int(code) + 1) % 10**6:06d}")
        with pytest.raises(NoPendingTicket):
            await confirm(rt, "another-hub", code)
        done = await confirm(rt, client_id, code)
        assert done.event == "approved"
        assert pc[-1] == mb[-1] == {"ticket_id": pc[0]["ticket_id"], "event": "approved"}
    assert hub.size(client_id) == 0
    ticket_id = int(pc[0]["ticket_id"])
    assert await payload_for(rt, client_id, ticket_id, "not the owner's secret") is None
    payload = await payload_for(rt, client_id, ticket_id, secret)
    assert payload
    assert await payload_for(rt, client_id, ticket_id, secret) is None  # once
    with pytest.raises(WrongDevice):
        await redeem(rt, "someone-else", payload)
    issued = await redeem(rt, client_id, payload)
    assert issued.user.id == alice.id
    assert issued.refresh_token is None
    assert issued.session.device_id == client_id
    with pytest.raises(TicketNotFound):
        await redeem(rt, client_id, payload)
    # the desktop is known now: the next QR sign-in needs no code
    await open_hub(rt, client_id)  # the claim ended with the payload
    again = await pending(
        rt, client_id, dq.encrypt_user_data(principal(alice), settings=rt.settings)
    )
    assert again.event == "approved"


async def test_bad_or_expired_user_data_is_refused(mail_app: FastAPI) -> None:
    rt: Runtime = mail_app.state.runtime
    alice = await account(mail_app)
    with pytest.raises(Unauthorized):
        await pending(rt, "hub-x", "garbage")
    token = dq.encrypt_user_data(principal(alice), settings=rt.settings)
    clock.advance(121)
    with pytest.raises(Unauthorized):
        await pending(rt, "hub-x", token)


async def test_user_payload_expires_after_two_minutes(mail_app: FastAPI, smtp: SmtpSink) -> None:
    rt: Runtime = mail_app.state.runtime
    alice = await account(mail_app)
    client_id = new_token(12)
    secret = await open_hub(rt, client_id)
    await pending(rt, client_id, dq.encrypt_user_data(principal(alice), settings=rt.settings))
    await confirm(rt, client_id, code_in(await last_mail(smtp, alice.email, "device")))
    async with rt.db.unit_of_work() as session:
        ticket = await latest_ticket(session, client_id)
    payload = await payload_for(rt, client_id, ticket, secret)
    assert payload
    clock.advance(121)
    with pytest.raises(TicketNotFound):
        await redeem(rt, client_id, payload)


async def test_the_sealed_user_data_works_once(mail_app: FastAPI, smtp: SmtpSink) -> None:
    """Issue 13, item 6: a replayed `encrypt_user_data` token opened more tickets and mailed
    more codes; it is single use."""
    rt: Runtime = mail_app.state.runtime
    alice = await account(mail_app)
    client_id = new_token(12)
    await open_hub(rt, client_id)
    token = dq.encrypt_user_data(principal(alice), settings=rt.settings)
    assert (await pending(rt, client_id, token)).event == "code_required"
    for _ in range(3):
        with pytest.raises(Unauthorized):
            await pending(rt, client_id, token)
    assert len(await mail_to(smtp, alice.email, "device")) == 1


async def test_a_phone_without_a_waiting_desktop_opens_nothing(mail_app: FastAPI) -> None:
    rt: Runtime = mail_app.state.runtime
    alice = await account(mail_app)
    with pytest.raises(NoDesktop):
        await pending(
            rt, new_token(12), dq.encrypt_user_data(principal(alice), settings=rt.settings)
        )


async def test_brute_forced_confirmation_codes_die_after_five(
    mail_app: FastAPI, smtp: SmtpSink
) -> None:
    rt: Runtime = mail_app.state.runtime
    alice = await account(mail_app)
    client_id = new_token(12)
    await open_hub(rt, client_id)
    await pending(rt, client_id, dq.encrypt_user_data(principal(alice), settings=rt.settings))
    right = code_in(await last_mail(smtp, alice.email, "device"))
    for i in range(1, 6):
        with pytest.raises((WrongCode, qr.CodeExpired)):
            await confirm(rt, client_id, f"{(int(right) + i) % 10**6:06d}")
    with pytest.raises(qr.CodeExpired):
        await confirm(rt, client_id, right)
