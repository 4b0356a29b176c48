"""An administrator (a user holding the admin role) and audit-log helpers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from parley.runtime import Runtime
from tests.support.access import give_roles
from tests.support.accounts import PASSWORD, Account, new_account


@pytest.fixture
async def admin(client: httpx.AsyncClient, runtime: Runtime) -> Account:
    account = await new_account(client, "admin")
    await give_roles(runtime, account.id, runtime.settings.admin_role)
    return account


REAUTH = {"current_password": PASSWORD}


async def audit_of(
    client: httpx.AsyncClient, admin: Account, **filters: Any
) -> list[dict[str, Any]]:
    response = await client.get("/v1/admin/audit", params=filters, headers=admin.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items
