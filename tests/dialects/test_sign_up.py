"""One sign-up for every surface: each registration with an email mails its verification
code and link, whichever contract made it."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import asgi_client
from tests.support.accounts import PASSWORD, unique_name
from tests.support.fake_providers import FakeProviders
from tests.support.mail import code_in, last_mail


def registration(surface: str, name: str) -> tuple[str, dict[str, object], dict[str, str]]:
    email = f"{name}@example.com"
    if surface == "discordapi":
        body = {"username": name, "email": email, "password": PASSWORD}
        return "/auth/register/", body, {"Accept-Language": "en-GB"}
    if surface == "whisper":
        keys = {
            "public_key": base64.b64encode(os.urandom(65)).decode(),
            "encrypted_private_key": base64.b64encode(os.urandom(80)).decode(),
        }
        body = {"name": name, "user": name, "password": PASSWORD, "email": email, "pin": "482915"}
        return "/api/v1/users", {**body, **keys}, {}
    if surface == "goncord":
        return "/api/v0/users", {"login": name, "email": email, "password": PASSWORD}, {}
    return "/v1/auth/register", {"username": name, "email": email, "password": PASSWORD}, {}


@pytest.mark.parametrize("surface", ["discordapi", "whisper", "goncord", "native"])
async def test_a_registration_mails_the_verification_code_whatever_the_surface(
    client: httpx.AsyncClient, data_dir: Path, surface: str
) -> None:
    name = unique_name("su")
    path, body, headers = registration(surface, name)
    made = await client.post(path, json=body, headers=headers)
    assert made.status_code in (200, 201), made.text
    code = code_in(await last_mail(data_dir, f"{name}@example.com", "verify"))
    signed = await client.post("/v1/auth/login", json={"login": name, "password": PASSWORD})
    token = {"Authorization": f"Bearer {signed.json()['access_token']}"}
    verified = await client.post("/v1/auth/email/verify", json={"code": code}, headers=token)
    assert verified.status_code == 200, verified.text
    assert verified.json()["username"] == name


async def test_a_provider_sign_up_mails_the_verification_code_too(
    provider_app: FastAPI, fakes: FakeProviders, data_dir: Path
) -> None:
    token, info = fakes.yandex.account()
    async with asgi_client(provider_app) as client:
        made = await client.post(
            "/auth/yandex_oauth_register/",
            params={"oauth_token": token},
            headers={"Accept-Language": "ru-RU"},
        )
        assert made.status_code == 200, made.text
    assert code_in(await last_mail(data_dir, info["default_email"], "verify"))
