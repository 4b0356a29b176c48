"""Two real `parley serve` processes on one PostgreSQL + Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable

import httpx
import jwt

from parley.settings import Settings
from tests.conftest import needs_postgres_and_redis
from tests.support.accounts import PASSWORD, unique_name
from tests.support.servers import ServerProcess, settings_env


def sign_up(base: str) -> tuple[str, dict[str, object]]:
    name = unique_name("e2e")
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    assert httpx.post(f"{base}/v1/auth/register", json=body).status_code == 201
    tokens = httpx.post(f"{base}/v1/auth/login", json={"login": name, "password": PASSWORD}).json()
    return name, tokens


def test_single_server_serves_the_auth_flow(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory()
    _, tokens = sign_up(server.url)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert httpx.get(f"{server.url}/v1/users/me", headers=headers).status_code == 200
    assert httpx.post(f"{server.url}/v1/auth/logout", headers=headers).status_code == 204
    assert httpx.get(f"{server.url}/v1/auth/validate", headers=headers).status_code == 401


@needs_postgres_and_redis
def test_logout_on_one_instance_reaches_the_other_within_a_second(
    server_factory: Callable[..., ServerProcess],
) -> None:
    a, b = server_factory(), server_factory()
    _, tokens = sign_up(a.url)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    # B has seen the session and caches it as valid.
    assert httpx.get(f"{b.url}/v1/auth/validate", headers=headers).status_code == 200
    assert httpx.post(f"{a.url}/v1/auth/logout", headers=headers).status_code == 204
    revoked_at = time.monotonic()
    while httpx.get(f"{b.url}/v1/auth/validate", headers=headers).status_code != 401:
        assert time.monotonic() - revoked_at < 1.0, "revocation did not reach B within 1 s"
        time.sleep(0.02)


@needs_postgres_and_redis
def test_key_rotation_by_the_cli_reaches_every_instance(
    server_factory: Callable[..., ServerProcess], settings: Settings
) -> None:
    a, b = server_factory(), server_factory()
    _, before = sign_up(a.url)
    env = {**os.environ, **settings_env(settings)}
    subprocess.run([sys.executable, "-m", "parley", "keys", "rotate"], env=env, check=True)
    _, after = sign_up(a.url)
    kid = jwt.get_unverified_header(str(after["access_token"]))["kid"]
    assert kid != jwt.get_unverified_header(str(before["access_token"]))["kid"]
    for tokens in (before, after):
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert httpx.get(f"{b.url}/v1/auth/validate", headers=headers).status_code == 200
    jwks = httpx.get(f"{b.url}/.well-known/jwks.json").json()
    assert kid in {key["kid"] for key in jwks["keys"]}
