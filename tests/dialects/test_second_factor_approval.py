"""A second factor through contracts whose login has no second step (Whisper, Goncord,
DiscordApi): every password sign-in is approved by mail, and the approval page asks for the
TOTP or a recovery code. Native sign-in keeps its own second step."""

from __future__ import annotations

from pathlib import Path

import httpx
import pyotp

from parley.kit.time import clock
from tests.dialects.test_one_identity import APPROVE, Person, approvals
from tests.support.accounts import PASSWORD, unique_name
from tests.support.mail import last_mail, link_token_in

WHISPER_LOGIN = "/api/v1/auth/login"


async def person_with_totp(web: httpx.AsyncClient) -> tuple[Person, str, list[str]]:
    """Registered natively; TOTP on (which proves nothing about any contract's client)."""
    name = unique_name("tfa")
    email = f"{name}@example.com"
    body = {"username": name, "email": email, "password": PASSWORD}
    assert (await web.post("/v1/auth/register", json=body)).status_code == 201
    login = await web.post("/v1/auth/login", json={"login": name, "password": PASSWORD})
    assert login.status_code == 200, login.text
    headers = {"Authorization": login.json()["access_token"]}
    started = await web.post("/v1/auth/2fa/totp", headers=headers)
    secret = started.json()["secret"]
    confirmed = await web.post(
        "/v1/auth/2fa/totp/confirm", json={"code": now(secret)}, headers=headers
    )
    assert confirmed.status_code == 200, confirmed.text
    person = Person(login.json()["user"]["id"], name, email)
    return person, secret, confirmed.json()["recovery_codes"]


def now(secret: str, shift: float = 0) -> str:
    return str(pyotp.TOTP(secret).at(int(clock.timestamp() + shift)))


async def refused_with_mail(
    web: httpx.AsyncClient, data_dir: Path, person: Person, path: str, body: dict[str, str]
) -> str:
    """The contract's 401 "check the mail"; returns the token of the mailed link."""
    sent = await approvals(data_dir, person)
    refused = await web.post(path, json=body)
    assert refused.status_code == 401, refused.text
    assert "check the mail" in str(refused.json())
    return link_token_in(await last_mail(data_dir, person.email, "approve", sent + 1), APPROVE)


async def test_whisper_sign_in_needs_the_mailed_approval_with_the_totp_every_time(
    web: httpx.AsyncClient, data_dir: Path
) -> None:
    person, secret, _ = await person_with_totp(web)
    body = {"user": person.email, "password": PASSWORD}
    token = await refused_with_mail(web, data_dir, person, WHISPER_LOGIN, body)
    page = await web.get(APPROVE, params={"token": token})
    assert page.status_code == 200
    assert "name=code" in page.text  # the page asks for the second factor
    # no code, or a wrong one: not approved, and the login stays refused
    missing = await web.post(APPROVE, data={"token": token})
    assert missing.status_code == 400
    assert "Approved" not in missing.text
    wrong = await web.post(APPROVE, data={"token": token, "code": "000000"})
    assert wrong.status_code == 400
    assert "name=code" in wrong.text  # the form again
    assert (await web.post(WHISPER_LOGIN, json=body)).status_code == 401
    # the enrolment spent this time step's code: the next step's is good
    approved = await web.post(APPROVE, data={"token": token, "code": now(secret, 30)})
    assert approved.status_code == 200, approved.text
    assert "Approved" in approved.text
    signed = await web.post(WHISPER_LOGIN, json=body)
    assert signed.status_code == 200, signed.text
    me = await web.get("/v1/users/me", headers={"Authorization": signed.json()["token"]})
    assert me.json()["id"] == person.id
    # the approval was for one sign-in: the next one (a known device now) asks again
    again = await refused_with_mail(web, data_dir, person, WHISPER_LOGIN, body)
    assert again != token
    # a used link does not approve twice
    reused = await web.post(APPROVE, data={"token": token, "code": now(secret, -30)})
    assert "Approved" not in reused.text


async def test_goncord_and_discordapi_take_a_recovery_code_on_the_approval_page_once(
    web: httpx.AsyncClient, data_dir: Path
) -> None:
    person, _secret, recovery = await person_with_totp(web)
    goncord = {"login": person.username, "password": PASSWORD}
    token = await refused_with_mail(web, data_dir, person, "/api/v0/tokens", goncord)
    approved = await web.post(APPROVE, data={"token": token, "code": recovery[0]})
    assert "Approved" in approved.text, approved.text
    signed = await web.post("/api/v0/tokens", json=goncord)
    assert signed.status_code in (200, 201), signed.text

    discord = {"email": person.email, "password": PASSWORD, "client_fingerprint": "fp-2fa"}
    token = await refused_with_mail(web, data_dir, person, "/auth/login/", discord)
    spent = await web.post(APPROVE, data={"token": token, "code": recovery[0]})
    assert spent.status_code == 400  # a recovery code works once
    approved = await web.post(APPROVE, data={"token": token, "code": recovery[1]})
    assert "Approved" in approved.text, approved.text
    signed = await web.post("/auth/login/", json=discord)
    assert signed.status_code == 200, signed.text
    assert signed.json()["token"]


async def test_wrong_codes_on_the_approval_page_kill_the_link(
    web: httpx.AsyncClient, data_dir: Path
) -> None:
    person, secret, _ = await person_with_totp(web)
    body = {"user": person.email, "password": PASSWORD}
    token = await refused_with_mail(web, data_dir, person, WHISPER_LOGIN, body)
    for _ in range(5):
        await web.post(APPROVE, data={"token": token, "code": "123456"})
    late = await web.post(APPROVE, data={"token": token, "code": now(secret, 30)})
    assert "Approved" not in late.text
    assert (await web.post(WHISPER_LOGIN, json=body)).status_code == 401


async def test_a_second_factor_link_cannot_be_approved_by_another_persons_codes(
    web: httpx.AsyncClient, data_dir: Path
) -> None:
    alice, _, _ = await person_with_totp(web)
    _bob, bob_secret, bob_recovery = await person_with_totp(web)
    body = {"user": alice.email, "password": PASSWORD}
    token = await refused_with_mail(web, data_dir, alice, WHISPER_LOGIN, body)
    for code in (now(bob_secret, 30), bob_recovery[0]):
        answer = await web.post(APPROVE, data={"token": token, "code": code})
        assert "Approved" not in answer.text
    assert (await web.post(WHISPER_LOGIN, json=body)).status_code == 401
