"""`parley apps create … --redirect-uri` registers an OpenID Connect client."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_access_cli import cli_env, parley  # noqa: F401 - the fixture
from tests.support.accounts import unique_name


def printed(stdout: str, name: str) -> list[str]:
    return [line.split(": ", 1)[1] for line in stdout.splitlines() if line.startswith(f"{name}: ")]


@pytest.mark.usefixtures("cli_env")
async def test_a_confidential_client_gets_its_id_and_secret_printed_once() -> None:
    url = f"https://{unique_name('rp')}.example.com"
    created = await parley(
        "apps", "create", "--url", url, "--name", "Rp", "--first-party",
        "--redirect-uri", f"{url}/callback", "--redirect-uri", "http://127.0.0.1:8080/cb",
    )  # fmt: skip
    assert created.returncode == 0, created.stdout
    assert len(printed(created.stdout, "token")) == 1
    (client_id,) = printed(created.stdout, "client_id")
    (secret,) = printed(created.stdout, "client_secret")
    assert re.fullmatch(r"[\w-]{20,}", client_id)
    assert len(secret) >= 40


@pytest.mark.usefixtures("cli_env")
async def test_a_public_client_has_no_secret() -> None:
    url = f"https://{unique_name('rp')}.example.com"
    created = await parley(
        "apps", "create", "--url", url, "--name", "Rp", "--public",
        "--redirect-uri", "com.example.app:/callback",
    )  # fmt: skip
    assert created.returncode == 0, created.stdout
    assert len(printed(created.stdout, "client_id")) == 1
    assert printed(created.stdout, "client_secret") == []


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize(
    "uri",
    ["http://example.com/cb", "https://example.com/cb#frag", "javascript:alert(1)", "relative/cb"],
)
async def test_unsafe_redirect_uris_are_refused(uri: str) -> None:
    url = f"https://{unique_name('rp')}.example.com"
    created = await parley("apps", "create", "--url", url, "--name", "Rp", "--redirect-uri", uri)
    assert created.returncode != 0
    assert "Redirect URIs" in created.stdout


@pytest.mark.usefixtures("cli_env")
async def test_rotating_the_secret_prints_a_new_one() -> None:
    url = f"https://{unique_name('rp')}.example.com"
    created = await parley(
        "apps", "create", "--url", url, "--name", "Rp", "--redirect-uri", f"{url}/cb"
    )
    (old,) = printed(created.stdout, "client_secret")
    rotated = await parley("apps", "rotate-secret", url)
    assert rotated.returncode == 0, rotated.stdout
    (new,) = printed(rotated.stdout, "client_secret")
    assert new != old


@pytest.mark.usefixtures("cli_env")
async def test_client_flags_without_a_redirect_uri_are_refused() -> None:
    url = f"https://{unique_name('rp')}.example.com"
    created = await parley("apps", "create", "--url", url, "--name", "Rp", "--public")
    assert created.returncode != 0
    assert "redirect URI" in created.stdout
