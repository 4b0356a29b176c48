"""`parley apps|roles|data-versions` against this run's database (the typer app, in a thread)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import anyio
import httpx
import pytest
from typer.testing import CliRunner

from parley.cli import app as cli_app
from parley.settings import Settings, get_settings
from tests.support.accounts import Account, unique_name
from tests.support.servers import settings_env


@dataclass
class Result:
    returncode: int
    stdout: str


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in settings_env(settings).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def parley(*args: str, input: str | None = None) -> Result:
    """Run one `parley` command; its own event loop runs in a worker thread."""
    result = await anyio.to_thread.run_sync(
        lambda: CliRunner().invoke(cli_app, list(args), input=input)
    )
    return Result(result.exit_code, result.output)


async def test_apps_and_roles_through_the_cli(
    client: httpx.AsyncClient, settings: Settings, alice: Account, cli_env: None
) -> None:
    role = unique_name("clirole")
    url = f"https://{unique_name('cli')}.example.com"
    created = await parley(
        "apps", "create", "--url", url, "--name", "Cli", "--super", "--role", role
    )
    assert created.returncode == 0, created.stdout
    token_lines = [line for line in created.stdout.splitlines() if line.startswith("token: ")]
    assert len(token_lines) == 1
    token = token_lines[0].removeprefix("token: ")
    app_id = re.search(r"\(id (\d+)\)", created.stdout)
    assert app_id is not None
    assert f"│ {app_id.group(1)} " in (await parley("apps", "list")).stdout
    assert role in (await parley("roles", "list")).stdout
    # the printed token is a working super app token
    bumped = await client.post("/v1/data-versions/schedule/bump", headers={"x-app-token": token})
    assert bumped.status_code == 200
    assigned = await parley("roles", "assign", alice.username, role)
    assert assigned.returncode == 0, assigned.stdout
    menu = (await client.get("/v1/menu", headers=alice.headers)).json()
    assert [item["url"] for item in menu] == [url]
    rotated = await parley("apps", "rotate-token", url)
    assert rotated.returncode == 0
    old = await client.post("/v1/data-versions/schedule/bump", headers={"x-app-token": token})
    assert old.status_code == 401
    before = (await client.get("/v1/data-versions", headers=alice.headers)).json()
    bump = await parley("data-versions", "bump", "schedule")
    assert bump.returncode == 0, bump.stdout
    after = (await client.get("/v1/data-versions", headers=alice.headers)).json()
    assert after["schedule_version"] == before["schedule_version"] + 1
    assert (await parley("roles", "delete", role)).returncode == 0
    assert (await client.get("/v1/menu", headers=alice.headers)).json() == []
    assert (await parley("apps", "delete", url)).returncode == 0
    assert (await parley("apps", "delete", url)).returncode == 1
    assert (await parley("roles", "assign", "nobody_" + role, "x")).returncode == 1
    assert (await parley("data-versions", "bump", "nonsense")).returncode == 2
    assert (await parley("roles", "create", "")).returncode == 1


async def test_a_protected_role_from_the_cli_needs_a_super_app_at_goncord_registration(
    client: httpx.AsyncClient, cli_env: None
) -> None:
    role = unique_name("guarded")
    created = await parley("roles", "create", role, "--protected")
    assert created.returncode == 0, created.stdout
    name = unique_name("g")
    body = {"login": name, "password": "password", "roles": [{"name": role}]}
    refused = await client.post("/api/v0/users", json=body)
    assert refused.status_code == 403
    plain = unique_name("plainrole")
    assert (await parley("roles", "create", plain)).returncode == 0
    granted = await client.post("/api/v0/users", json={**body, "roles": [{"name": plain}]})
    assert granted.status_code == 201, granted.text
    assert granted.json()["roles"] == [{"name": plain}]
