"""Google ID tokens: signature against the JWKS, issuer, audience, expiry, key caching."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from parley.kit.time import clock
from parley.runtime import Runtime
from tests.providers.conftest import audit_count
from tests.support.fake_providers import FAIL, GARBAGE, SLOW, FakeGoogle, FakeProviders

CERTS = "/oauth2/v3/certs"


async def sign_in(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/v1/auth/providers/google/sign-in", json={"token": token})


async def test_google_sign_in_uses_the_verified_email(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    token, sub = fakes.google.token()
    response = await sign_in(pclient, token)
    assert response.status_code == 200, response.text
    user = response.json()["user"]
    assert user["email"] == f"g{sub[-8:]}@gmail.com"
    assert user["username"] == f"g{sub[-8:]}"
    assert user["display_name"] == "Gina Google"
    token2, _ = fakes.google.token(sub, iss="accounts.google.com")
    assert (await sign_in(pclient, token2)).json()["user"]["id"] == user["id"]


async def test_unverified_google_email_is_not_kept(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    token, _ = fakes.google.token(email_verified=False)
    assert (await sign_in(pclient, token)).json()["user"]["email"] is None


def forged(fakes: FakeProviders) -> str:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return fakes.google.token(key=other, kid=fakes.google.current)[0]


BAD_TOKENS: dict[str, tuple[Callable[[FakeProviders], str], str]] = {
    "wrong audience": (
        lambda f: f.google.token(aud="another.apps.googleusercontent.com")[0],
        "audience",
    ),
    "wrong issuer": (lambda f: f.google.token(iss="https://evil.example")[0], "issuer"),
    "expired": (lambda f: f.google.token(exp=int(time.time()) - 120)[0], "expired"),
    "forged signature": (forged, "signature"),
    "unknown key": (
        lambda f: f.google.token(kid="no-such-kid", key=f.google.keys[f.google.current])[0],
        "unknown_kid",
    ),
    "not a jwt": (lambda _f: "definitely.not.ajwt", "malformed"),
    "hs256": (
        lambda f: jwt.encode(
            {"sub": "1", "aud": f.google.client_id},
            "k" * 32,
            algorithm="HS256",
            headers={"kid": f.google.current},
        ),
        "bad_alg",
    ),
}


@pytest.mark.parametrize("case", list(BAD_TOKENS))
async def test_bad_google_tokens_are_rejected_and_audited(
    pclient: httpx.AsyncClient, fakes: FakeProviders, rt: Runtime, case: str
) -> None:
    make, reason = BAD_TOKENS[case]
    before = await audit_count(rt, "provider.rejected", provider="google", reason=reason)
    response = await sign_in(pclient, make(fakes))
    assert response.status_code == 403, response.text
    assert response.json()["error"]["reason"] == reason
    assert (
        await audit_count(rt, "provider.rejected", provider="google", reason=reason) == before + 1
    )


async def test_expiry_follows_parleys_clock(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    token, _ = fakes.google.token()
    clock.advance(3700)
    assert (await sign_in(pclient, token)).status_code == 403


async def test_certificates_are_cached_and_refetched_for_a_new_kid(
    own_google: FakeGoogle, google_app: Callable[..., Any]
) -> None:
    async with google_app() as (client, rt):
        # PyJWKClient times its cache on the monotonic clock: shortened so the test waits.
        jwks = rt.providers.google.jwks
        jwks.cooldown_duration, lifespan = 1.5, 4.0
        assert jwks.jwk_set_cache is not None
        jwks.jwk_set_cache.lifespan = lifespan
        assert (await sign_in(client, own_google.token()[0])).status_code == 200
        assert (await sign_in(client, own_google.token()[0])).status_code == 200
        assert own_google.server.count(CERTS) == 1

        own_google.rotate()
        await asyncio.sleep(1.6)
        assert (await sign_in(client, own_google.token()[0])).status_code == 200
        assert own_google.server.count(CERTS) == 2
        refetched = time.monotonic()

        # forged kids do not make us hammer Google: one refetch per cooldown at most
        bogus = own_google.token(kid="bogus", key=own_google.keys[own_google.current])[0]
        for _ in range(3):
            assert (await sign_in(client, bogus)).status_code == 403
        assert own_google.server.count(CERTS) == 2

        await asyncio.sleep(max(0.0, refetched + lifespan + 0.1 - time.monotonic()))
        assert (await sign_in(client, own_google.token()[0])).status_code == 200
        assert own_google.server.count(CERTS) == 3


async def test_verification_does_not_block_the_event_loop(
    own_google: FakeGoogle, google_app: Callable[..., Any]
) -> None:
    """PyJWKClient fetches with urllib; while Google is slow the loop keeps serving."""
    own_google.behaviour = SLOW
    async with google_app(provider_timeout_seconds=1.0) as (client, _rt):
        slow = asyncio.create_task(sign_in(client, own_google.token()[0]))
        await asyncio.sleep(0.2)
        started = time.monotonic()
        assert (await client.get("/v1/health/live")).status_code == 200
        assert time.monotonic() - started < 0.5
        assert (await slow).status_code == 504


@pytest.mark.parametrize(("behaviour", "status"), [(FAIL, 502), (GARBAGE, 502), (SLOW, 504)])
async def test_certificate_outage_is_not_a_500(
    own_google: FakeGoogle, google_app: Callable[..., Any], behaviour: str, status: int
) -> None:
    own_google.behaviour = behaviour
    timeout = 0.2 if behaviour == SLOW else 5.0
    async with google_app(provider_timeout_seconds=timeout) as (client, _rt):
        response = await sign_in(client, own_google.token()[0])
    assert response.status_code == status
