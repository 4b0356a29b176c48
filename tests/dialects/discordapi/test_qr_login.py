"""DiscordApi seed (000) functions 13-15: QR login between two real websocket clients (the
desktop `pc` and the phone `mb`) on a real server, with the new-device code by real SMTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK, InvalidStatus

from parley.kit.secrets import new_token
from parley.settings import Settings
from tests.conftest import needs_postgres_and_redis
from tests.support.accounts import PASSWORD, unique_name
from tests.support.mail import code_in, last_mail
from tests.support.servers import ServerProcess, SmtpSink

NEW_DEVICE = "New auth device detected, send confirmation code to: "


async def frame(ws: ClientConnection) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(decode=True), 20))
    return data


async def send(ws: ClientConnection, **body: Any) -> None:
    await ws.send(json.dumps(body))


def socket_url(server: ServerProcess, client_id: str, client_type: str, slash: str = "/") -> str:
    query = urlencode(
        {"client_id": client_id, "client_ip": "188.131.21.22", "client_type": client_type}
    )
    return f"{server.ws_url}/auth_events/qr_auth{slash}?{query}"


async def phone_account(http: httpx.AsyncClient, base: str) -> tuple[str, dict[str, str]]:
    name = unique_name("dqr")
    email = f"{name}@example.com"
    body = {"username": name, "email": email, "password": PASSWORD}
    assert (await http.post(f"{base}/v1/auth/register", json=body)).status_code == 201
    login = await http.post(f"{base}/v1/auth/login", json={"login": name, "password": PASSWORD})
    return email, {"Authorization": login.json()["access_token"]}


async def sealed(http: httpx.AsyncClient, base: str, headers: dict[str, str]) -> str:
    response = await http.get(f"{base}/auth/encrypt_user_data/", headers=headers)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"token"}
    token: str = response.json()["token"]
    return token


async def run_flow(desktop: ServerProcess, phone: ServerProcess, smtp: SmtpSink) -> None:
    client_id = new_token(12)
    async with httpx.AsyncClient(timeout=10) as http:
        email, headers = await phone_account(http, phone.url)
        async with (
            connect(socket_url(desktop, client_id, "pc"), user_agent_header="Desk/1") as pc,
            connect(socket_url(phone, client_id, "mb", slash="")) as mb,
        ):
            # each socket is greeted first, as the original greets
            assert await frame(pc) == {"op": "connected type: pc"}
            assert await frame(mb) == {"op": "connected type: mb"}
            for ws in (pc, mb):
                await send(ws, op="heartbeat")
                assert await frame(ws) == {"op": "heartbeat_ack"}
            await send(
                mb,
                op="pending_ticket",
                encrypted_user_payload=await sealed(http, phone.url, headers),
            )
            told = {"op": f"{NEW_DEVICE}{email[0]}***@example.com"}
            assert await frame(pc) == told
            assert await frame(mb) == told
            code = code_in(await last_mail(smtp, email, "device"))
            await send(
                pc,
                op="pending_ticket_confirmation",
                confirmation_code="000000" if code != "000000" else "111111",
            )
            assert (await frame(pc))["op"] == "error"  # a wrong code; the socket stays open
            await send(pc, op="pending_ticket_confirmation", confirmation_code=code)
            done = await frame(pc)
            assert done["op"] == "Success auth"
            # every socket of the hub hears the result; only the desktop's payload is one
            assert await frame(mb) == {"op": "Success auth", "user_payload": ""}
            for ws in (pc, mb):
                with pytest.raises(ConnectionClosedOK):
                    await ws.recv()
                assert ws.close_code == 1000
        payload = done["user_payload"]
        wrong_client = await http.get(
            f"{desktop.url}/auth/qr_auth/",
            params={"client_id": "someone-else"},
            headers={"Authorization": payload},
        )
        assert wrong_client.status_code == 403
        tokens = await http.get(
            f"{desktop.url}/auth/qr_auth/",
            params={"client_id": client_id},
            headers={"Authorization": payload},
        )
        assert tokens.status_code == 200, tokens.text
        assert tokens.json()["type"] == "Bearer"
        me = await http.get(
            f"{phone.url}/v1/users/me", headers={"Authorization": tokens.json()["token"]}
        )
        assert me.json()["email"] == email
        again = await http.get(
            f"{desktop.url}/auth/qr_auth",
            params={"client_id": client_id},
            headers={"Authorization": payload},
        )
        assert again.status_code == 404

        # The desktop is a known device now: no code, straight to "Success auth".
        async with (
            connect(socket_url(desktop, client_id, "pc")) as pc,
            connect(socket_url(phone, client_id, "mb")) as mb,
        ):
            assert [await frame(pc), await frame(mb)] == [
                {"op": "connected type: pc"},
                {"op": "connected type: mb"},
            ]
            await send(
                mb,
                op="pending_ticket",
                encrypted_user_payload=await sealed(http, phone.url, headers),
            )
            done = await frame(pc)
            assert done["op"] == "Success auth"
            assert await frame(mb) == {"op": "Success auth", "user_payload": ""}
        by_query = await http.get(
            f"{desktop.url}/auth/qr_auth/",
            params={"client_id": client_id, "Authorization": done["user_payload"]},
        )
        assert by_query.status_code == 200
        assert by_query.json()["type"] == "Bearer"


@pytest.fixture
def mail_settings(make_settings: Callable[..., Settings], smtp: SmtpSink) -> Settings:
    return make_settings(mail_url=smtp.url)


async def test_qr_login_between_two_sockets(
    server_factory: Callable[..., ServerProcess], smtp: SmtpSink, mail_settings: Settings
) -> None:
    server = server_factory(mail_settings)
    await run_flow(server, server, smtp)
    await refusals(server)


@needs_postgres_and_redis
async def test_qr_login_with_desktop_and_phone_on_different_instances(
    server_factory: Callable[..., ServerProcess], smtp: SmtpSink, mail_settings: Settings
) -> None:
    desktop, phone = server_factory(mail_settings), server_factory(mail_settings)
    await run_flow(desktop, phone, smtp)


async def refusals(server: ServerProcess) -> None:
    """Bad frames get an error frame; bad query parameters refuse the socket; the HTTP
    halves answer 401/404."""
    client_id = new_token(12)
    async with connect(socket_url(server, client_id, "pc")) as pc:
        assert await frame(pc) == {"op": "connected type: pc"}
        await pc.send("not json")
        assert (await frame(pc))["op"] == "error"
        await send(pc, op="pending_ticket", encrypted_user_payload="forged")
        assert (await frame(pc))["op"] == "error"
        await send(pc, op="pending_ticket")
        assert (await frame(pc))["op"] == "error"
        await send(pc, op="pending_ticket_confirmation", confirmation_code="123456")
        assert (await frame(pc))["op"] == "error"  # nothing waits for a code here
        await send(pc, op="dance")
        assert (await frame(pc))["op"] == "error"
        await send(pc, op="heartbeat")
        assert await frame(pc) == {"op": "heartbeat_ack"}
    for query in (
        "client_id=x&client_ip=1.2.3.4&client_type=tv",
        "client_ip=1.2.3.4&client_type=pc",
    ):
        with pytest.raises(InvalidStatus):
            async with connect(f"{server.ws_url}/auth_events/qr_auth/?{query}"):
                pass
    async with httpx.AsyncClient(timeout=10) as http:
        assert (await http.get(f"{server.url}/auth/encrypt_user_data/")).status_code == 401
        bad = await http.get(f"{server.url}/auth/encrypt_user_data", headers={"Authorization": "x"})
        assert bad.status_code == 401
        no_ticket = await http.get(f"{server.url}/auth/qr_auth/", params={"client_id": client_id})
        assert no_ticket.status_code == 401
        unknown = await http.get(
            f"{server.url}/auth/qr_auth/",
            params={"client_id": client_id},
            headers={"Authorization": "Bearer nope"},
        )
        assert unknown.status_code == 404
        assert isinstance(unknown.json()["detail"], str)
        assert (await http.get(f"{server.url}/auth/qr_auth/")).status_code == 422


async def test_a_socket_that_knows_the_fingerprint_cannot_take_the_desktops_sign_in(
    server_factory: Callable[..., ServerProcess], smtp: SmtpSink, mail_settings: Settings
) -> None:
    """The hub name is the fingerprint shown in the QR code: anyone may learn it. Only the
    desktop socket that opened the hub gets a `user_payload` that can be exchanged."""
    server = server_factory(mail_settings)
    client_id = new_token(12)
    async with httpx.AsyncClient(timeout=10) as http:
        _, headers = await phone_account(http, server.url)
        async with connect(socket_url(server, client_id, "pc")) as desktop:
            assert await frame(desktop) == {"op": "connected type: pc"}
            await send(desktop, op="heartbeat")
            assert await frame(desktop) == {"op": "heartbeat_ack"}
            async with connect(socket_url(server, client_id, "pc")) as thief:
                refused = await frame(thief)
                assert refused["op"] == "error"
                with pytest.raises(ConnectionClosed):
                    await asyncio.wait_for(thief.recv(), 5)
            async with (
                connect(socket_url(server, client_id, "mb")) as spy,
                connect(socket_url(server, client_id, "mb")) as phone,
            ):
                assert await frame(spy) == await frame(phone) == {"op": "connected type: mb"}
                await send(
                    phone,
                    op="pending_ticket",
                    encrypted_user_payload=await sealed(http, server.url, headers),
                )
                told = await frame(desktop)
                assert told["op"].startswith(NEW_DEVICE)
                assert await frame(spy) == told
                email = await _phone_email(http, server, headers)
                code = code_in(await last_mail(smtp, email, "device"))
                await send(spy, op="pending_ticket_confirmation", confirmation_code=code)
                done = await frame(desktop)
                seen = await frame(spy)
        assert done["op"] == seen["op"] == "Success auth"
        assert done["user_payload"]
        assert seen["user_payload"] == ""
        stolen = await http.get(
            f"{server.url}/auth/qr_auth/",
            params={"client_id": client_id},
            headers={"Authorization": seen["user_payload"] or "empty"},
        )
        assert stolen.status_code == 404
        own = await http.get(
            f"{server.url}/auth/qr_auth/",
            params={"client_id": client_id},
            headers={"Authorization": done["user_payload"]},
        )
        assert own.status_code == 200, own.text


async def test_a_phone_needs_a_waiting_desktop(
    server_factory: Callable[..., ServerProcess], mail_settings: Settings
) -> None:
    server = server_factory(mail_settings)
    async with httpx.AsyncClient(timeout=10) as http:
        _, headers = await phone_account(http, server.url)
        async with connect(socket_url(server, new_token(12), "mb")) as phone:
            assert await frame(phone) == {"op": "connected type: mb"}
            await send(
                phone,
                op="pending_ticket",
                encrypted_user_payload=await sealed(http, server.url, headers),
            )
            assert (await frame(phone))["op"] == "error"


async def _phone_email(
    http: httpx.AsyncClient, server: ServerProcess, headers: dict[str, str]
) -> str:
    me = await http.get(f"{server.url}/v1/users/me", headers=headers)
    email: str = me.json()["email"]
    return email
