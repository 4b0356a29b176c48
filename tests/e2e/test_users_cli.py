"""`parley users disable|enable` against this run's database."""

from __future__ import annotations

import httpx

from tests.e2e.test_access_cli import cli_env, parley
from tests.support.accounts import PASSWORD, Account

__all__ = ["cli_env"]


async def test_disable_and_enable_through_the_cli(
    client: httpx.AsyncClient, alice: Account, cli_env: None
) -> None:
    disabled = await parley("users", "disable", alice.username)
    assert disabled.returncode == 0, disabled.stdout
    assert f"disabled {alice.username}" in disabled.stdout
    body = {"login": alice.username, "password": PASSWORD}
    refused = await client.post("/v1/auth/login", json=body)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "account_disabled"
    enabled = await parley("users", "enable", str(alice.id))
    assert enabled.returncode == 0, enabled.stdout
    assert (await client.post("/v1/auth/login", json=body)).status_code == 200
    unknown = await parley("users", "disable", "nobody-at-all-here")
    assert unknown.returncode != 0
