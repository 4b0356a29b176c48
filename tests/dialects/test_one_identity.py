"""One identity across the four contracts, device protection on.

A person made through any contract signs in through every other one. DiscordApi signs in
with its mailed device code; Goncord and Whisper, whose logins have no code step, answer
their own 401 "check the mail" until the person opens the approval link of the mailed
notice, then the same login from that client succeeds; Schedule signs in through a provider
account (Google here), linked through the native API when the account was made elsewhere.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from parley.kit.time import clock
from tests.dialects.conftest import UA
from tests.support.accounts import PASSWORD, unique_name
from tests.support.fake_providers import FakeProviders
from tests.support.mail import code_in, last_mail, link_token_in, mail_to
from tests.support.servers import body_of

APPROVE = "/v1/auth/login/approve"
CONTRACTS = ("discordapi", "goncord", "whisper", "schedule")


@dataclass
class Person:
    id: int
    username: str
    email: str
    password: str = PASSWORD
    google: str | None = None  # a Google ID token for this person's Google account
    fingerprints: list[str] = field(default_factory=list)


def b64(size: int) -> str:
    return base64.b64encode(os.urandom(size)).decode()


async def approvals(data_dir: Path, person: Person) -> int:
    return len(await mail_to(data_dir, person.email, "approve", count=0))


async def approve_from_mail(
    web: httpx.AsyncClient, data_dir: Path, person: Person, count: int
) -> None:
    """Open the approval link of the `count`-th approval mail: the page, then its button."""
    message = await last_mail(data_dir, person.email, "approve", count)
    token = link_token_in(message, APPROVE)
    page = await web.get(APPROVE, params={"token": token})
    assert page.status_code == 200
    assert "method=post" in page.text  # opening the link alone approves nothing
    approved = await web.post(APPROVE, data={"token": token})
    assert approved.status_code == 200, approved.text
    assert "Approved" in approved.text


async def native_id(web: httpx.AsyncClient, token: str) -> int:
    me = await web.get("/v1/users/me", headers={"Authorization": token})
    assert me.status_code == 200, me.text
    user_id: int = me.json()["id"]
    return user_id


# --- making a person through each contract ---------------------------------------------------


async def made_through(
    contract: str,
    web: httpx.AsyncClient,
    data_dir: Path,
    fakes: FakeProviders,
) -> Person:
    name = unique_name("one")
    email = f"{name}@example.com"
    if contract == "discordapi":
        body = {"username": name, "email": email, "password": PASSWORD}
        made = await web.post("/auth/register/", json=body, headers={"Accept-Language": "ru-RU"})
        assert made.status_code == 200, made.text
    elif contract == "goncord":
        made = await web.post(
            "/api/v0/users", json={"login": name, "email": email, "password": PASSWORD}
        )
        assert made.status_code == 201, made.text
    elif contract == "whisper":
        body = {
            "name": name,
            "user": name,
            "password": PASSWORD,
            "email": email,
            "pin": "482915",
            "public_key": b64(65),
            "encrypted_private_key": b64(80),
        }
        made = await web.post("/api/v1/users", json=body)
        assert made.status_code == 201, made.text
    else:  # Schedule: a Google account; a password comes from the native reset by mail
        google, sub = fakes.google.token()
        made = await web.post("/account/auth", json={"authMethod": "GOOGLE", "idToken": google})
        assert made.status_code == 200, made.text
        user_id = made.json()["userId"]
        me = await web.get("/v1/users/me", headers={"Authorization": made.json()["accessToken"]})
        email, name = me.json()["email"], me.json()["username"]
        assert email == f"g{sub[-8:]}@gmail.com"
        await web.post("/v1/auth/password-reset", json={"email": email})
        code = code_in(await last_mail(data_dir, email, "reset"))
        reset = await web.post(
            "/v1/auth/password-reset/confirm",
            json={"email": email, "code": code, "new_password": PASSWORD},
        )
        assert reset.status_code == 204, reset.text
        return Person(user_id, name, email, google=fakes.google.token(sub)[0])
    verification = await last_mail(data_dir, email, "verify")  # every surface mails it
    assert code_in(verification)
    token = await sign_in_through_discordapi(web, data_dir, Person(0, name, email))
    return Person(await native_id(web, token), name, email)


# --- signing in through each contract --------------------------------------------------------


async def sign_in_through_discordapi(web: httpx.AsyncClient, data_dir: Path, person: Person) -> str:
    """A new fingerprint: the mailed code, then the token (and a proven device)."""
    fingerprint = unique_name("fp")
    person.fingerprints.append(fingerprint)
    sent = len(await mail_to(data_dir, person.email, "device", count=0))
    body = {"email": person.email, "password": person.password}
    challenged = await web.post("/auth/login/", json={**body, "client_fingerprint": fingerprint})
    assert challenged.status_code == 200, challenged.text
    assert challenged.json()["detail"].startswith("Confirmation code send to: ")
    code = code_in(await last_mail(data_dir, person.email, "device", sent + 1))
    confirmed = await web.post(
        "/auth/confirm_device_and_login/", json={**body, "confirmation_code": code}
    )
    assert confirmed.status_code == 200, confirmed.text
    token: str = confirmed.json()["token"]
    return token


async def sign_in_with_approval(
    web: httpx.AsyncClient, data_dir: Path, person: Person, path: str, body: dict[str, str]
) -> dict[str, Any]:
    """A login without a code step: the contract's 401 "check the mail", the approval link
    from the mail, then the same login succeeds."""
    sent = await approvals(data_dir, person)
    refused = await web.post(path, json=body)
    assert refused.status_code == 401, refused.text
    assert "check the mail" in refused.json()["error"]
    await approve_from_mail(web, data_dir, person, sent + 1)
    signed = await web.post(path, json=body)
    assert signed.status_code in (200, 201), signed.text
    answer: dict[str, Any] = signed.json()
    return answer


async def sign_in_through_goncord(web: httpx.AsyncClient, data_dir: Path, person: Person) -> str:
    body = {"login": person.username, "password": person.password}
    answer = await sign_in_with_approval(web, data_dir, person, "/api/v0/tokens", body)
    assert answer["user"]["login"] == person.username
    token: str = answer["jwt"]
    return token


async def sign_in_through_whisper(web: httpx.AsyncClient, data_dir: Path, person: Person) -> str:
    body = {"user": person.email, "password": person.password}
    answer = await sign_in_with_approval(web, data_dir, person, "/api/v1/auth/login", body)
    token: str = answer["token"]
    return token


async def sign_in_through_schedule(
    web: httpx.AsyncClient,
    fakes: FakeProviders,
    person: Person,
    native_token: str,
) -> str:
    if person.google is None:  # made elsewhere: link a Google account through the native API
        person.google, _ = fakes.google.token()
        linked = await web.post(
            "/v1/auth/providers/google/identity",
            json={"token": person.google},
            headers={"Authorization": native_token},
        )
        assert linked.status_code == 201, linked.text
    signed = await web.post(
        "/account/auth", json={"authMethod": "GOOGLE", "idToken": person.google}
    )
    assert signed.status_code == 200, signed.text
    assert signed.json()["userId"] == person.id
    token: str = signed.json()["accessToken"]
    return token


@pytest.mark.parametrize("maker", CONTRACTS)
async def test_a_person_made_through_one_contract_signs_in_through_every_other(
    web: httpx.AsyncClient,
    fakes: FakeProviders,
    data_dir: Path,
    maker: str,
) -> None:
    person = await made_through(maker, web, data_dir, fakes)
    # DiscordApi first: it proves a device, so device protection is on for what follows
    token = await sign_in_through_discordapi(web, data_dir, person)
    assert await native_id(web, token) == person.id
    tokens = {
        "goncord": await sign_in_through_goncord(web, data_dir, person),
        "whisper": await sign_in_through_whisper(web, data_dir, person),
        "schedule": await sign_in_through_schedule(web, fakes, person, token),
    }
    for contract, issued in tokens.items():
        assert await native_id(web, issued) == person.id, contract
    # the approved clients are known devices now: they sign in again without mail
    sent = await approvals(data_dir, person)
    again = await web.post(
        "/api/v0/tokens", json={"login": person.username, "password": person.password}
    )
    assert again.status_code == 201, again.text
    whisper = await web.post(
        "/api/v1/auth/login", json={"user": person.username, "password": person.password}
    )
    assert whisper.status_code == 200, whisper.text
    assert await approvals(data_dir, person) == sent


# --- the approval itself ---------------------------------------------------------------------


async def test_an_approval_is_for_that_client_once_and_for_a_short_time(
    web: httpx.AsyncClient,
    provider_app: FastAPI,
    fakes: FakeProviders,
    data_dir: Path,
) -> None:
    person = await made_through("whisper", web, data_dir, fakes)
    body = {"user": person.username, "password": person.password}
    login = "/api/v1/auth/login"
    first = await web.post(login, json=body)
    assert first.status_code == 401
    assert first.json()["error"].startswith(
        f"New device: check the mail sent to {person.email[0]}***@"
    )
    # asking again while the link is pending mails nothing more
    assert (await web.post(login, json=body)).status_code == 401
    assert len(await mail_to(data_dir, person.email, "approve", count=1)) == 1
    message = await last_mail(data_dir, person.email, "approve")
    text = body_of(message)
    assert "Is this you signing in from Whisper on ContractClient/1.0" in text
    token = link_token_in(message, APPROVE)
    # opening the link (a mail scanner fetching it) approves nothing
    assert (await web.get(APPROVE, params={"token": token})).status_code == 200
    assert (await web.post(login, json=body)).status_code == 401
    assert (await web.post(APPROVE, data={"token": token})).status_code == 200
    assert (await web.post(APPROVE, data={"token": token})).status_code == 400  # single use
    # bound to the client: another user agent, or another address, is still refused
    other_agent = await web.post(login, json=body, headers={"User-Agent": "Other/2"})
    assert other_agent.status_code == 401
    elsewhere = httpx.ASGITransport(app=provider_app, client=("198.51.100.9", 50000))
    async with httpx.AsyncClient(
        transport=elsewhere, base_url="http://testserver", headers=UA
    ) as other_address:
        assert (await other_address.post(login, json=body)).status_code == 401
    # a short life: once the code lifetime has passed, the approval is spent for nothing
    clock.advance(601)
    sent = len(await mail_to(data_dir, person.email, "approve", count=3))  # + the two above
    late = await web.post(login, json=body)
    assert late.status_code == 401
    # a fresh approval lets this client in, once; the client is remembered from then on
    await approve_from_mail(web, data_dir, person, sent + 1)
    assert (await web.post(login, json=body)).status_code == 200
    assert (await web.post(login, json=body)).status_code == 200


async def test_unknown_or_forged_approval_links_are_refused(web: httpx.AsyncClient) -> None:
    assert (await web.post(APPROVE, data={"token": "forged"})).status_code == 400
    assert (await web.post(APPROVE, data={})).status_code == 422
    assert (await web.get(APPROVE, params={"token": "bad token!"})).status_code == 422


async def test_an_account_without_a_proven_device_signs_in_everywhere_without_mail(
    web: httpx.AsyncClient,
    fakes: FakeProviders,
    data_dir: Path,
) -> None:
    name = unique_name("free")
    email = f"{name}@example.com"
    made = await web.post(
        "/api/v0/users", json={"login": name, "email": email, "password": PASSWORD}
    )
    assert made.status_code == 201
    assert (
        await web.post("/api/v1/auth/login", json={"user": name, "password": PASSWORD})
    ).status_code == 200
    assert (
        await web.post("/api/v0/tokens", json={"login": name, "password": PASSWORD})
    ).status_code == 201
    person = Person(0, name, email)
    assert await approvals(data_dir, person) == 0
