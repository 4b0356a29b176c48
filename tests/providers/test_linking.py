"""Linking and unlinking provider accounts, listing providers, takeover attempts."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from parley.runtime import Runtime
from tests.conftest import ON_POSTGRES
from tests.providers.conftest import audit_count
from tests.support.accounts import new_account
from tests.support.fake_providers import FakeProviders

P = "/v1/auth/providers"


async def test_enabled_providers_are_listed(pclient: httpx.AsyncClient) -> None:
    data = (await pclient.get(P)).json()
    assert [p["name"] for p in data] == ["yandex", "vk", "google", "telegram"]
    flows = {p["name"]: (p["flow"], p["authorize_url"]) for p in data}
    assert flows["yandex"] == ("oauth_token", True)
    assert flows["google"] == ("id_token", False)
    assert data[3]["bot_name"] == "parley_test_bot"


async def test_unconfigured_providers_are_hidden_and_not_found(client: httpx.AsyncClient) -> None:
    assert (await client.get(P)).json() == []
    response = await client.post(f"{P}/google/sign-in", json={"token": "x"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_provider"
    assert (await client.get(f"{P}/yandex/authorize-url")).status_code == 404


async def test_unknown_provider_and_unsupported_url(pclient: httpx.AsyncClient) -> None:
    assert (await pclient.post(f"{P}/myspace/sign-in", json={"token": "x"})).status_code == 404
    assert (await pclient.get(f"{P}/myspace/authorize-url")).status_code == 404
    response = await pclient.get(f"{P}/vk/authorize-url")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "provider_unsupported"


@pytest.mark.parametrize(
    "body", [{}, {"token": ""}, {"token": "a", "widget": {"id": 1, "auth_date": 1, "hash": "h"}}]
)
async def test_bad_sign_in_bodies_are_422(
    pclient: httpx.AsyncClient, body: dict[str, object]
) -> None:
    assert (await pclient.post(f"{P}/google/sign-in", json=body)).status_code == 422


async def test_link_then_sign_in_reaches_the_linked_account(
    pclient: httpx.AsyncClient, fakes: FakeProviders, rt: Runtime
) -> None:
    alice = await new_account(pclient, "alice")
    token, sub = fakes.google.token(email="not-alice@example.com")
    linked = await pclient.post(
        f"{P}/google/identity", json={"token": token}, headers=alice.headers
    )
    assert linked.status_code == 201, linked.text
    assert linked.json()["external_id"] == sub
    assert await audit_count(rt, "identity.linked", provider="google") >= 1

    signed = await pclient.post(f"{P}/google/sign-in", json={"token": fakes.google.token(sub)[0]})
    assert signed.json()["user"]["id"] == alice.id
    listed = (await pclient.get(f"{P}/identities", headers=alice.headers)).json()
    assert [i["provider"] for i in listed] == ["google"]
    # linking the same account again is idempotent
    again = await pclient.post(f"{P}/google/identity", json={"token": token}, headers=alice.headers)
    assert again.status_code == 201


async def test_link_and_unlink_need_a_session(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    token, _ = fakes.google.token()
    assert (await pclient.post(f"{P}/google/identity", json={"token": token})).status_code == 401
    assert (await pclient.delete(f"{P}/google/identity")).status_code == 401
    assert (await pclient.get(f"{P}/identities")).status_code == 401


async def test_linking_someone_elses_provider_account_is_refused(
    pclient: httpx.AsyncClient, fakes: FakeProviders, rt: Runtime
) -> None:
    alice = await new_account(pclient, "alice")
    bob = await new_account(pclient, "bob")
    token, sub = fakes.google.token()
    await pclient.post(f"{P}/google/identity", json={"token": token}, headers=alice.headers)
    before = await audit_count(rt, "identity.link_refused", provider="google")
    stolen = await pclient.post(
        f"{P}/google/identity", json={"token": fakes.google.token(sub)[0]}, headers=bob.headers
    )
    assert stolen.status_code == 409
    assert stolen.json()["error"]["code"] == "identity_taken"
    assert await audit_count(rt, "identity.link_refused", provider="google") == before + 1
    signed = await pclient.post(f"{P}/google/sign-in", json={"token": fakes.google.token(sub)[0]})
    assert signed.json()["user"]["id"] == alice.id
    # bob cannot unlink alice's identity either: he has none of his own
    assert (await pclient.delete(f"{P}/google/identity", headers=bob.headers)).status_code == 404
    listed = (await pclient.get(f"{P}/identities", headers=alice.headers)).json()
    assert [i["external_id"] for i in listed] == [sub]


async def test_one_account_per_provider(pclient: httpx.AsyncClient, fakes: FakeProviders) -> None:
    alice = await new_account(pclient, "alice")
    first, _ = fakes.google.token()
    second, _ = fakes.google.token()
    await pclient.post(f"{P}/google/identity", json={"token": first}, headers=alice.headers)
    response = await pclient.post(
        f"{P}/google/identity", json={"token": second}, headers=alice.headers
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "provider_already_linked"


async def test_rejected_link_token_is_403(pclient: httpx.AsyncClient) -> None:
    alice = await new_account(pclient, "alice")
    response = await pclient.post(
        f"{P}/vk/identity", json={"token": "bogus"}, headers=alice.headers
    )
    assert response.status_code == 403


async def test_unlink_with_a_password_left(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    alice = await new_account(pclient, "alice")
    token, _ = fakes.vk.user()
    await pclient.post(f"{P}/vk/identity", json={"token": token}, headers=alice.headers)
    assert (await pclient.delete(f"{P}/vk/identity", headers=alice.headers)).status_code == 204
    assert (await pclient.delete(f"{P}/vk/identity", headers=alice.headers)).status_code == 404
    assert (await pclient.get(f"{P}/identities", headers=alice.headers)).json() == []


async def test_the_last_way_to_sign_in_cannot_be_unlinked(
    pclient: httpx.AsyncClient, fakes: FakeProviders
) -> None:
    vk_token, _ = fakes.vk.user()
    signed = (await pclient.post(f"{P}/vk/sign-in", json={"token": vk_token})).json()
    headers = {"Authorization": f"Bearer {signed['access_token']}"}
    refused = await pclient.delete(f"{P}/vk/identity", headers=headers)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "last_sign_in_method"

    google, _ = fakes.google.token()
    assert (
        await pclient.post(f"{P}/google/identity", json={"token": google}, headers=headers)
    ).status_code == 201
    assert (await pclient.delete(f"{P}/vk/identity", headers=headers)).status_code == 204
    assert (await pclient.delete(f"{P}/google/identity", headers=headers)).status_code == 409


async def test_concurrent_first_sign_ins_land_on_one_user(
    provider_app: FastAPI, fakes: FakeProviders
) -> None:
    _, sub = fakes.google.token()
    tokens = [fakes.google.token(sub)[0] for _ in range(3)]
    transport = httpx.ASGITransport(app=provider_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        responses = await asyncio.gather(
            *(client.post(f"{P}/google/sign-in", json={"token": t}) for t in tokens)
        )
    statuses = [r.status_code for r in responses]
    if ON_POSTGRES:
        assert statuses == [200, 200, 200], [r.text for r in responses]
    else:  # SQLite refuses a read transaction's late write under contention: 503, retryable
        assert set(statuses) <= {200, 503}
        assert 200 in statuses
    assert len({r.json()["user"]["id"] for r in responses if r.status_code == 200}) == 1
