"""Native QR sign-in end to end: a real socket, real SMTP, and (on PostgreSQL + Redis) the
desktop and the phone on two different server processes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from parley.settings import Settings
from tests.conftest import needs_postgres_and_redis
from tests.support.accounts import PASSWORD, unique_name
from tests.support.mail import code_in, last_mail
from tests.support.servers import ServerProcess, SmtpSink


async def sign_up(http: httpx.AsyncClient, base: str) -> tuple[str, dict[str, str]]:
    name = unique_name("qre")
    email = f"{name}@example.com"
    body = {"username": name, "email": email, "password": PASSWORD}
    assert (await http.post(f"{base}/v1/auth/register", json=body)).status_code == 201
    login = await http.post(f"{base}/v1/auth/login", json={"login": name, "password": PASSWORD})
    return email, {"Authorization": f"Bearer {login.json()['access_token']}"}


async def frame(ws: ClientConnection) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(await ws.recv(decode=True))
    return data


async def run_flow(desktop: ServerProcess, phone: ServerProcess, smtp: SmtpSink) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        email, headers = await sign_up(http, phone.url)
        url = f"{desktop.ws_url}/v1/qr/login?device_id=desk-e2e"
        async with connect(url, user_agent_header="DesktopE2E/1") as ws:
            ticket = await frame(ws)
            assert ticket["op"] == "ticket"
            await ws.send(json.dumps({"op": "heartbeat"}))
            assert await frame(ws) == {"op": "heartbeat_ack"}
            png = await http.get(f"{desktop.url}{ticket['qr_png']}")
            assert png.content.startswith(b"\x89PNG")
            info = await http.get(f"{phone.url}/v1/qr/{ticket['ticket']}", headers=headers)
            assert info.json()["user_agent"] == "DesktopE2E/1"
            assert info.json()["ip"] == "127.0.0.1"
            approved = await http.post(
                f"{phone.url}/v1/qr/{ticket['ticket']}/approve",
                json={"check_code": ticket["check_code"]},
                headers=headers,
            )
            assert approved.json()["status"] == "code_required"
            told = await frame(ws)
            assert told == {"op": "code_required", "sent_to": f"{email[0]}***@example.com"}
            code = code_in(await last_mail(smtp, email, "device"))
            confirmed = await http.post(
                f"{phone.url}/v1/qr/{ticket['ticket']}/confirm", json={"code": code}
            )
            assert confirmed.status_code == 200
            done = await frame(ws)
            assert done["op"] == "approved"
        tokens = await http.post(
            f"{desktop.url}/v1/qr/exchange",
            json={"ticket": ticket["ticket"], "exchange_code": done["exchange_code"]},
        )
        assert tokens.status_code == 200, tokens.text
        me = await http.get(
            f"{phone.url}/v1/users/me",
            headers={"Authorization": f"Bearer {tokens.json()['access_token']}"},
        )
        assert me.json()["email"] == email


@pytest.fixture
def mail_settings(make_settings: Callable[..., Settings], smtp: SmtpSink) -> Settings:
    return make_settings(mail_url=smtp.url)


async def test_qr_login_over_a_real_socket(
    server_factory: Callable[..., ServerProcess], smtp: SmtpSink, mail_settings: Settings
) -> None:
    server = server_factory(mail_settings)
    await run_flow(server, server, smtp)


@needs_postgres_and_redis
async def test_qr_login_with_desktop_and_phone_on_different_instances(
    server_factory: Callable[..., ServerProcess], smtp: SmtpSink, mail_settings: Settings
) -> None:
    desktop, phone = server_factory(mail_settings), server_factory(mail_settings)
    await run_flow(desktop, phone, smtp)


async def test_socket_reports_expiry(
    server_factory: Callable[..., ServerProcess], make_settings: Callable[..., Settings]
) -> None:
    server = server_factory(make_settings(qr_ticket_ttl_seconds=1))
    async with connect(f"{server.ws_url}/v1/qr/login") as ws:
        assert (await frame(ws))["op"] == "ticket"
        assert await frame(ws) == {"op": "expired"}
