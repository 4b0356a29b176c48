"""The `parley` command as an operator meets it: help, version, schema state, passwords
without a terminal, accounts and sessions."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from parley.settings import Settings
from tests.e2e.test_access_cli import cli_env, parley
from tests.support import databases
from tests.support.accounts import PASSWORD, Account, login, unique_name
from tests.support.servers import settings_env

__all__ = ["cli_env"]


async def run(*args: str, env: dict[str, str], stdin: bytes | None = None) -> tuple[int, str]:
    """`python -m parley ARGS` as its own process, standard input not a terminal."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "parley",
        *args,
        env={**os.environ, "COLUMNS": "200", **env},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(stdin or b""), timeout=60)
    return process.returncode or 0, out.decode()


@pytest.fixture
def env(settings: Settings) -> dict[str, str]:
    return settings_env(settings)


async def test_help_shows_a_type_only_for_options_that_take_a_value() -> None:
    for command in ([], ["users", "create"], ["serve"], ["apps", "create"]):
        shown = await parley(*command, "--help")
        assert shown.returncode == 0, shown.stdout
        assert "<bool>" not in shown.stdout
        assert "--help" in shown.stdout
    serve = (await parley("serve", "--help")).stdout
    assert "--port <int>" in serve
    assert "--migrate / --no-migrate" in serve


async def test_version_and_current_revision(cli_env: None) -> None:
    version = await parley("version")
    assert version.returncode == 0
    assert version.stdout.startswith("parley ")
    current = await parley("db", "current")
    assert current.returncode == 0, current.stdout
    assert current.stdout.strip().endswith("(head)")


def test_a_fresh_database_asks_for_the_upgrade_instead_of_a_traceback(
    tmp_path: Path, env: dict[str, str]
) -> None:
    with databases.test_database(tmp_path, migrated=False) as url:
        fresh = {**os.environ, **env, "PARLEY_DATABASE_URL": url}
        listed = subprocess.run(
            [sys.executable, "-m", "parley", "users", "list"],
            env=fresh,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        current = _run(fresh, "db", "current")
        upgraded = _run(fresh, "db", "upgrade")
        after = _run(fresh, "db", "current")
    assert listed.returncode == 1
    assert "run `parley db upgrade`" in listed.stdout
    assert "Traceback" not in listed.stdout + listed.stderr
    assert current.returncode == 0
    assert "no schema" in current.stdout
    assert "run `parley db upgrade`" in current.stdout
    # without a terminal: one plain line for the step, then the count
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    assert "migrations: done in" in upgraded.stdout
    applied = re.search(r"\((\d+) migration\(s\) applied\)", upgraded.stdout)
    assert applied is not None, upgraded.stdout
    assert int(applied.group(1)) >= 10
    assert after.stdout.strip().endswith("(head)")


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "parley", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_passwords_come_from_stdin_or_the_environment_without_a_terminal(
    client: httpx.AsyncClient, env: dict[str, str]
) -> None:
    piped, from_env, missing = unique_name("pipe"), unique_name("envpw"), unique_name("nopw")
    code, out = await run(
        "users", "create", piped, "--password-stdin", env=env, stdin=f"{PASSWORD}\n".encode()
    )
    assert code == 0, out
    await login(client, piped)
    code, out = await run("users", "create", from_env, env={**env, "PARLEY_PASSWORD": PASSWORD})
    assert code == 0, out
    await login(client, from_env)
    code, out = await run("users", "create", missing, env=env)
    assert code == 2
    assert "--password-stdin" in out
    assert "Aborted" not in out
    new_password = "another horse battery"
    code, out = await run(
        "users", "set-password", piped, "--password-stdin", env=env, stdin=new_password.encode()
    )
    assert code == 0, out
    await login(client, piped, new_password)


async def test_an_admin_made_by_the_cli_reaches_the_admin_console(
    client: httpx.AsyncClient, cli_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = unique_name("admin")
    monkeypatch.setenv("PARLEY_PASSWORD", PASSWORD)
    created = await parley("users", "create", name, "--admin")
    assert created.returncode == 0, created.stdout
    assert "with the role admin" in created.stdout
    tokens = await login(client, name)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await client.get("/v1/admin/me", headers=headers)).status_code == 200
    plain = unique_name("plain")
    assert (await parley("users", "create", plain)).returncode == 0
    tokens = await login(client, plain)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await client.get("/v1/admin/me", headers=headers)).status_code == 403


async def test_sessions_are_listed_and_revoked_by_the_cli(
    client: httpx.AsyncClient, alice: Account, bob: Account, cli_env: None
) -> None:
    second = await login(client, alice.username)
    listed = await parley("sessions", "list", alice.username)
    assert listed.returncode == 0, listed.stdout
    assert f"│ {alice.session_id} " in listed.stdout
    assert f"│ {second['session_id']} " in listed.stdout
    assert f"│ {bob.session_id} " not in listed.stdout
    # a session of another account is not found through this one
    other = await parley("sessions", "revoke", alice.username, "--session", str(bob.session_id))
    assert other.returncode == 1
    one = await parley("sessions", "revoke", str(alice.id), "--session", str(alice.session_id))
    assert one.returncode == 0, one.stdout
    assert "revoked 1 session(s)" in one.stdout
    # (a refresh reads the database; an access token a server has cached without a shared bus
    # stays good for PARLEY_SESSION_CACHE_SECONDS)
    assert (await refresh(client, alice.refresh_token)).status_code == 401
    assert (await refresh(client, second["refresh_token"])).status_code == 200
    every = await parley("sessions", "revoke", alice.username)
    assert every.returncode == 0
    assert "revoked 1 session(s)" in every.stdout
    assert (
        f"│ {second['session_id']} "
        not in (await parley("sessions", "list", alice.username)).stdout
    )
    assert (await refresh(client, bob.refresh_token)).status_code == 200
    assert (await parley("sessions", "list", "nobody-at-all-here")).returncode == 1


async def refresh(client: httpx.AsyncClient, token: str | None) -> httpx.Response:
    return await client.post("/v1/auth/refresh", json={"refresh_token": token})


async def test_an_account_deleted_by_the_cli_cannot_sign_in(
    client: httpx.AsyncClient, alice: Account, bob: Account, cli_env: None
) -> None:
    refused = await parley("users", "delete", alice.username, input="n\n")
    assert refused.returncode == 1
    assert (await client.get("/v1/users/me", headers=alice.headers)).status_code == 200
    deleted = await parley("users", "delete", alice.username, "--yes")
    assert deleted.returncode == 0, deleted.stdout
    assert f"deleted {alice.username}" in deleted.stdout
    assert (await client.get("/v1/users/me", headers=alice.headers)).status_code == 401
    body = {"login": alice.username, "password": PASSWORD}
    assert (await client.post("/v1/auth/login", json=body)).status_code in (401, 403)
    assert (await client.get("/v1/users/me", headers=bob.headers)).status_code == 200
    assert (await parley("users", "delete", "nobody-at-all-here", "--yes")).returncode == 1
