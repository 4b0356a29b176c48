"""Disabling an account closes its gateway sockets."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from parley.runtime import Runtime
from tests.support.access import give_roles
from tests.support.accounts import PASSWORD, Account, new_account
from tests.support.gateway import Gateway, InProcessServer


@pytest.fixture(scope="module")
async def server(app: FastAPI) -> AsyncIterator[InProcessServer]:
    srv = InProcessServer(app)
    await srv.start()
    yield srv
    await srv.stop()


async def test_disabling_an_account_closes_its_sockets_as_revoked(
    server: InProcessServer, client: httpx.AsyncClient, runtime: Runtime, bob: Account
) -> None:
    admin = await new_account(client, "admin")
    await give_roles(runtime, admin.id, runtime.settings.admin_role)
    gw = await Gateway.open(server.ws_url)
    await gw.identify(bob.access_token)
    disabled = await client.patch(
        f"/v1/admin/users/{bob.id}",
        json={"disabled": True, "current_password": PASSWORD},
        headers=admin.headers,
    )
    assert disabled.status_code == 200
    assert await gw.closed() == 4011
    again = await Gateway.open(server.ws_url)
    await again.send(2, {"token": bob.access_token})
    assert await again.closed() == 4004
