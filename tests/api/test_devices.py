"""Device trust: enforced step-up for unknown devices, codes over real SMTP, not-me links."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from parley.kit.time import clock
from parley.settings import Settings
from tests.conftest import asgi_client, running_app
from tests.support.accounts import PASSWORD, Account, new_account, unique_name
from tests.support.mail import code_in, last_mail, link_in, link_token_in, mail_to
from tests.support.servers import SmtpSink


@pytest.fixture(scope="module")
async def mail_app(
    make_settings: Callable[..., Settings], smtp: SmtpSink
) -> AsyncIterator[FastAPI]:
    async for app in running_app(make_settings(mail_url=smtp.url)):
        yield app


@pytest.fixture
async def mc(mail_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(mail_app, headers={"User-Agent": "TestBrowser/1.0"}) as c:
        yield c


async def login(mc: httpx.AsyncClient, who: Account, **extra: object) -> httpx.Response:
    return await mc.post(
        "/v1/auth/login", json={"login": who.username, "password": PASSWORD, **extra}
    )


async def challenge(mc: httpx.AsyncClient, who: Account, device: str) -> str:
    response = await login(mc, who, device_id=device)
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["code"] == "device_verification_required"
    assert error["sent_to"] == f"{who.username[0]}***@example.com"
    assert error["expires_in"] == 600
    return str(error["challenge"])


async def verify(mc: httpx.AsyncClient, handle: str, code: str, **extra: object) -> httpx.Response:
    return await mc.post("/v1/auth/login/verify", json={"challenge": handle, "code": code, **extra})


async def prove_device(
    mc: httpx.AsyncClient, smtp: SmtpSink, who: Account, device: str, nth: int = 1
) -> dict[str, object]:
    handle = await challenge(mc, who, device)
    code = code_in(await last_mail(smtp, who.email, "device", nth))
    response = await verify(mc, handle, code)
    assert response.status_code == 200, response.text
    data: dict[str, object] = response.json()
    return data


async def test_unknown_device_gets_no_token_until_the_mailed_code(
    mc: httpx.AsyncClient, smtp: SmtpSink
) -> None:
    alice = await new_account(mc, "dev")
    handle = await challenge(mc, alice, "laptop-1")
    mail = await last_mail(smtp, alice.email, "device")
    assert "TestBrowser/1.0" in str(mail.get_payload())
    tokens = await verify(mc, handle, code_in(mail))
    assert tokens.status_code == 200
    pair = tokens.json()
    assert pair["refresh_token"]
    headers = {"Authorization": f"Bearer {pair['access_token']}"}
    sessions = (await mc.get("/v1/sessions", headers=headers)).json()
    assert [s["device_id"] for s in sessions if s["id"] == pair["session_id"]] == ["laptop-1"]
    # The device is known now: the next sign-in gets tokens straight away.
    again = await login(mc, alice, device_id="laptop-1")
    assert again.status_code == 200
    listed = (await mc.get("/v1/devices", headers=alice.headers)).json()
    assert [d["device_id"] for d in listed] == ["laptop-1"]
    assert listed[0]["ip"] == "203.0.113.7"
    assert listed[0]["user_agent"] == "TestBrowser/1.0"
    # ...and the new-device sign-in was announced with a "this wasn't me" link.
    notice = await last_mail(smtp, alice.email, "notice")
    assert link_in(notice, "/wasnt-me/").startswith("http://testserver/wasnt-me/")


async def test_wrong_codes_are_counted_and_the_fifth_kills_the_code(
    mc: httpx.AsyncClient, smtp: SmtpSink
) -> None:
    alice = await new_account(mc, "dev")
    handle = await challenge(mc, alice, "laptop-1")
    right = code_in(await last_mail(smtp, alice.email, "device"))
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    tries = []
    for _ in range(5):
        response = await verify(mc, handle, wrong)
        assert response.status_code == 400
        tries.append(response.json()["error"].get("tries_left"))
    assert tries == [4, 3, 2, 1, None]
    assert response.json()["error"]["code"] == "code_expired"
    late = await verify(mc, handle, right)
    assert late.status_code == 400
    assert late.json()["error"]["code"] == "code_expired"


async def test_concurrent_guesses_never_exceed_five_tries(
    mc: httpx.AsyncClient, smtp: SmtpSink
) -> None:
    alice = await new_account(mc, "dev")
    handle = await challenge(mc, alice, "laptop-1")
    right = code_in(await last_mail(smtp, alice.email, "device"))
    guesses = [f"{(int(right) + i) % 1_000_000:06d}" for i in range(1, 9)]
    results = await asyncio.gather(*[verify(mc, handle, g) for g in guesses])
    assert all(r.status_code == 400 for r in results)
    assert (await verify(mc, handle, right)).status_code == 400


async def test_expired_code_is_refused(mc: httpx.AsyncClient, smtp: SmtpSink) -> None:
    alice = await new_account(mc, "dev")
    handle = await challenge(mc, alice, "laptop-1")
    code = code_in(await last_mail(smtp, alice.email, "device"))
    clock.advance(601)
    response = await verify(mc, handle, code)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "code_expired"


async def test_a_code_works_once(mc: httpx.AsyncClient, smtp: SmtpSink) -> None:
    alice = await new_account(mc, "dev")
    handle = await challenge(mc, alice, "laptop-1")
    code = code_in(await last_mail(smtp, alice.email, "device"))
    assert (await verify(mc, handle, code)).status_code == 200
    reused = await verify(mc, handle, code)
    assert reused.status_code == 400
    assert reused.json()["error"]["code"] == "code_expired"


async def test_codes_are_bound_to_their_device(mc: httpx.AsyncClient, smtp: SmtpSink) -> None:
    alice = await new_account(mc, "dev")
    first = await challenge(mc, alice, "device-a")
    code_a = code_in(await last_mail(smtp, alice.email, "device"))
    # Presenting A's challenge from device B is refused outright.
    other = await verify(mc, first, code_a, device_id="device-b")
    assert other.status_code == 403
    assert other.json()["error"]["code"] == "wrong_device"
    # A newer challenge (device B) supersedes A's code, and A's code does not open B.
    second = await challenge(mc, alice, "device-b")
    code_b = code_in(await last_mail(smtp, alice.email, "device", 2))
    assert (await verify(mc, first, code_a)).status_code == 400
    if code_a != code_b:
        assert (await verify(mc, second, code_a)).status_code == 400
    ok = await verify(mc, second, code_b)
    assert ok.status_code == 200
    devices = (await mc.get("/v1/devices", headers=alice.headers)).json()
    assert [d["device_id"] for d in devices] == ["device-b"]


async def test_bad_challenge_is_400_and_bad_body_422(mc: httpx.AsyncClient) -> None:
    missing = await verify(mc, "no-such-challenge", "123456")
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "code_expired"
    bad = await mc.post("/v1/auth/login/verify", json={"challenge": 5})
    assert bad.status_code == 422


async def test_device_less_sign_in_is_unknown_once_the_account_has_a_device(
    mc: httpx.AsyncClient, smtp: SmtpSink
) -> None:
    alice = await new_account(mc, "dev")  # signed in without a device id: allowed
    assert (await login(mc, alice)).status_code == 200
    await prove_device(mc, smtp, alice, "phone-1")
    blocked = await login(mc, alice)
    assert blocked.status_code == 403
    code = code_in(await last_mail(smtp, alice.email, "device", 2))
    ok = await verify(mc, blocked.json()["error"]["challenge"], code)
    assert ok.status_code == 200
    assert ok.json()["session_id"]


async def test_wrong_password_from_a_new_device_sends_nothing(
    mc: httpx.AsyncClient, smtp: SmtpSink
) -> None:
    alice = await new_account(mc, "dev")
    response = await mc.post(
        "/v1/auth/login",
        json={"login": alice.username, "password": "wrong-wrong", "device_id": "x"},
    )
    assert response.status_code == 401
    await asyncio.sleep(0.1)
    assert not [m for m in smtp.to(alice.email) if "code" in str(m["Subject"]).lower()]


async def test_not_me_link_revokes_every_session_and_forgets_the_device(
    mc: httpx.AsyncClient, smtp: SmtpSink
) -> None:
    alice = await new_account(mc, "dev")
    intruder = await prove_device(mc, smtp, alice, "stolen-laptop")
    token = link_token_in(await last_mail(smtp, alice.email, "notice"), "/wasnt-me/")
    page = await mc.get("/v1/auth/not-me", params={"token": token})
    assert page.status_code == 200
    assert "signed out" in page.text
    for access in (alice.access_token, intruder["access_token"]):
        me = await mc.get("/v1/users/me", headers={"Authorization": f"Bearer {access}"})
        assert me.status_code == 401
    # The device is forgotten: signing in from it needs a code again.
    assert (await login(mc, alice, device_id="stolen-laptop")).status_code == 403
    # Single use.
    again = await mc.post("/v1/auth/not-me", json={"token": token})
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "invalid_link"
    assert (await mc.get("/v1/auth/not-me", params={"token": "junk"})).status_code == 400


async def test_list_and_forget_devices(mc: httpx.AsyncClient, smtp: SmtpSink) -> None:
    alice = await new_account(mc, "dev")
    bob = await new_account(mc, "dev")
    await prove_device(mc, smtp, alice, "phone-1")
    assert (await mc.get("/v1/devices")).status_code == 401
    listed = (await mc.get("/v1/devices", headers=alice.headers)).json()
    pk = listed[0]["id"]
    assert (await mc.get("/v1/devices", headers=bob.headers)).json() == []
    assert (await mc.delete(f"/v1/devices/{pk}")).status_code == 401
    assert (await mc.delete(f"/v1/devices/{pk}", headers=bob.headers)).status_code == 404
    assert (await mc.delete("/v1/devices/abc", headers=alice.headers)).status_code == 422
    assert (await mc.delete(f"/v1/devices/{pk}", headers=alice.headers)).status_code == 204
    assert (await mc.delete(f"/v1/devices/{pk}", headers=alice.headers)).status_code == 404
    assert (await login(mc, alice, device_id="phone-1")).status_code == 403


async def test_code_mails_are_rate_limited(
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
            alice = await new_account(c, "dev")
            statuses = [(await login(c, alice, device_id=f"d{i}")).status_code for i in range(3)]
            assert statuses == [403, 403, 429]
            await mail_to(smtp, alice.email, "device", 2)
