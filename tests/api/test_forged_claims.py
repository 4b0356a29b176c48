"""Tokens signed with the real key but carrying claims we never issue (#13 item 14): each
surface answers its own authentication error, never a 500, and a token naming one user with
another user's live session authenticates as nobody."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from parley.identity.sessions.tokens import ISSUER
from parley.kit.time import clock
from parley.runtime import Runtime
from tests.support.accounts import Account
from tests.support.gateway import Gateway, InProcessServer

HUGE = str(2**70)


def forge(runtime: Runtime, **claims: Any) -> str:
    """A token signed with the current signing key, with any claims."""
    key = runtime.signer.keyring.current()
    body = {"iss": ISSUER, "iat": int(clock.timestamp()), "exp": int(clock.timestamp()) + 600}
    body.update(claims)
    return jwt.encode(body, key.private, algorithm="EdDSA", headers={"kid": key.kid})


# (method, path, the surface's authentication error)
SURFACES = [
    ("GET", "/v1/auth/validate", 401),  # the nginx auth_request check
    ("GET", "/v1/users/me", 401),
    ("GET", "/api/v0/tokens/validate", 401),  # Goncord
    ("GET", "/api/v1/me", 401),  # Whisper
    ("GET", "/account/profile", 401),  # Schedule
    ("GET", "/auth/encrypt_user_data/", 401),  # DiscordApi QR
    ("GET", "/private/chat-list/", 401),  # DiscordApi
]


def bad_claims(alice: Account) -> dict[str, dict[str, Any]]:
    sid, sub = str(alice.session_id), str(alice.id)
    return {
        "sid beyond 64 bits": {"sub": sub, "sid": HUGE},
        "sub beyond 64 bits": {"sub": HUGE, "sid": sid},
        "sid 2**63": {"sub": sub, "sid": str(2**63)},
        "negative sid": {"sub": sub, "sid": "-1"},
        "zero sub": {"sub": "0", "sid": sid},
        "sid as a JSON number": {"sub": sub, "sid": alice.session_id},
        "sid as a float": {"sub": sub, "sid": float(alice.session_id)},
        "sid as a list": {"sub": sub, "sid": [sid]},
        "sid with a sign": {"sub": sub, "sid": "+" + sid},
        "sid with underscores": {"sub": sub, "sid": "1_0"},
        "sid with spaces": {"sub": sub, "sid": f" {sid} "},
        "exp as a string": {"sub": sub, "sid": sid, "exp": "inf"},
        "exp as a bool": {"sub": sub, "sid": sid, "exp": True},
    }


@pytest.mark.parametrize(("method", "path", "status"), SURFACES)
async def test_claims_we_never_issue_are_refused_not_500(
    client: httpx.AsyncClient, alice: Account, runtime: Runtime, method: str, path: str, status: int
) -> None:
    for name, claims in bad_claims(alice).items():
        token = forge(runtime, **claims)
        response = await client.request(method, path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == status, (name, response.status_code, response.text)


@pytest.mark.parametrize(("method", "path", "status"), SURFACES)
async def test_another_users_live_session_does_not_authenticate(
    client: httpx.AsyncClient,
    alice: Account,
    bob: Account,
    runtime: Runtime,
    method: str,
    path: str,
    status: int,
) -> None:
    # alice's session is live and cached: a token naming bob with it must not pass as bob
    assert (await client.get("/v1/auth/validate", headers=alice.headers)).status_code == 200
    token = forge(runtime, sub=str(bob.id), sid=str(alice.session_id))
    response = await client.request(method, path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status, response.text
    # and the refusal does not end alice's own session
    assert (await client.get("/v1/auth/validate", headers=alice.headers)).status_code == 200


@pytest.fixture(scope="module")
async def server(app: FastAPI) -> AsyncIterator[InProcessServer]:
    srv = InProcessServer(app)
    await srv.start()
    yield srv
    await srv.stop()


async def test_gateway_closes_with_authentication_failed_for_forged_claims(
    server: InProcessServer, alice: Account, bob: Account, runtime: Runtime
) -> None:
    tokens = [forge(runtime, **claims) for claims in bad_claims(alice).values()]
    tokens.append(forge(runtime, sub=str(bob.id), sid=str(alice.session_id)))
    for token in tokens:
        gw = await Gateway.open(server.ws_url)
        await gw.send(2, {"token": token})
        assert await gw.closed() == 4004
