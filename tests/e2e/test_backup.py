"""`parley backup` of a serving instance and `parley restore` into a fresh data directory and
database (SQLite, or a new PostgreSQL database on a PostgreSQL run): the same people sign in
with the same passwords, read the same messages and avatar, and tokens signed before the
backup still verify. The instances are the app in this process (a started `parley serve`
costs half a minute on a loaded machine); the commands run the typer app in a thread."""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

import anyio
import httpx
import pytest
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from parley import migrate
from parley.cli import app as cli_app
from parley.settings import Settings, get_settings
from tests.conftest import ON_POSTGRES, asgi_client, running_app
from tests.e2e.test_access_cli import Result
from tests.support import databases as scratch
from tests.support.accounts import Account, login, new_account
from tests.support.images import image_bytes
from tests.support.servers import settings_env


@pytest.fixture(autouse=True)
def _pg_client_programs() -> None:
    if ON_POSTGRES and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        if os.environ.get("CI") == "true":
            pytest.fail("pg_dump/pg_restore are missing (Debian: postgresql-client)")
        pytest.skip("pg_dump/pg_restore are not installed (Debian: postgresql-client)")


@pytest.fixture
def instances(
    tmp_path: Path, make_settings: Callable[..., Settings]
) -> Iterator[tuple[Settings, Settings]]:
    """Two configurations, each with its own data directory and empty database."""
    with ExitStack() as databases:
        made = []
        for name in ("source", "target"):
            (tmp_path / f"{name}-db").mkdir()
            url = databases.enter_context(
                scratch.test_database(tmp_path / f"{name}-db", migrated=False)
            )
            made.append(make_settings(database_url=url, data_dir=tmp_path / name))
        yield made[0], made[1]


def head() -> str | None:
    return ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_current_head()


def parley(settings: Settings, *args: str) -> Result:
    """One `parley` command with `settings` as its environment."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in settings_env(settings).items():
            patch.setenv(name, value)
        patch.setenv("COLUMNS", "200")
        get_settings.cache_clear()
        try:
            result = CliRunner().invoke(cli_app, list(args))
        finally:
            get_settings.cache_clear()
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Result(result.exit_code, result.output)


async def parley_async(settings: Settings, *args: str) -> Result:
    """`parley` while this process serves: its own event loop, in a worker thread."""
    return await anyio.to_thread.run_sync(lambda: parley(settings, *args))


async def post(http: httpx.AsyncClient, channel: int, who: Account, text: str) -> None:
    sent = await http.post(
        f"/v1/channels/{channel}/messages", json={"content": text}, headers=who.headers
    )
    assert sent.status_code == 201, sent.text


async def history(http: httpx.AsyncClient, channel: int, who: Account) -> list[str]:
    page = await http.get(f"/v1/channels/{channel}/messages", headers=who.headers)
    assert page.status_code == 200, page.text
    return sorted(m["content"] for m in page.json()["items"])


async def test_a_backup_of_a_serving_instance_restores_into_a_fresh_one(
    tmp_path: Path, instances: tuple[Settings, Settings]
) -> None:
    source, target = instances
    assert (await parley_async(source, "db", "upgrade")).returncode == 0
    archive = tmp_path / "backups" / "parley.tar.gz"
    async for app in running_app(source):
        async with asgi_client(app) as http:
            alice, bob = await new_account(http, "bka"), await new_account(http, "bkb")
            befriended = await http.post(
                "/v1/friends", json={"user_id": alice.id}, headers=bob.headers
            )
            assert befriended.status_code == 201, befriended.text
            dm = await http.post(
                "/v1/channels/direct", json={"user_id": alice.id}, headers=bob.headers
            )
            channel = dm.json()["id"]
            for n in range(3):
                await post(http, channel, bob if n % 2 else alice, f"before {n}")
            avatar = await http.put(
                "/v1/users/me/avatar",
                files={"file": ("me.png", image_bytes("PNG", (80, 60)), "image/png")},
                headers=alice.headers,
            )
            assert avatar.status_code == 200, avatar.text
            avatar_path = urlsplit(avatar.json()["avatar_url"]).path
            avatar_bytes = (await http.get(avatar_path)).content
            expected = await history(http, channel, alice)

            made = await parley_async(source, "backup", str(archive))  # while serving
            assert made.returncode == 0, made.stdout
            await post(http, channel, bob, "after the backup")

    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest["database"] == ("postgresql" if ON_POSTGRES else "sqlite")
    assert manifest["alembic_revision"] == head()
    assert any(name.startswith("keys/") and name.endswith(".json") for name in names)
    assert f"media/{avatar_path.removeprefix('/media/')}" in names
    assert archive.stat().st_mode & 0o077 == 0

    restored = await parley_async(target, "restore", str(archive))
    assert restored.returncode == 0, restored.stdout
    again = await parley_async(target, "restore", str(archive))
    assert again.returncode == 1
    assert "not empty" in again.stdout

    async for app in running_app(target):
        async with asgi_client(app) as http:
            # signed by the source instance's key, verified by the restored keys
            me = await http.get("/v1/users/me", headers=alice.headers)
            assert me.status_code == 200, me.text
            assert me.json()["username"] == alice.username
            tokens = await login(http, bob.username, bob.password)
            bob_again = Account(**{**bob.__dict__, "access_token": tokens["access_token"]})
            assert await history(http, channel, bob_again) == expected
            assert (await http.get(avatar_path)).content == avatar_bytes


def test_an_older_backup_is_migrated_and_a_foreign_one_refused(
    tmp_path: Path, instances: tuple[Settings, Settings]
) -> None:
    source, target = instances
    older = parley(source, "db", "upgrade", "--revision", f"{head()}-1")
    assert older.returncode == 0, older.stdout
    archive = tmp_path / "old.tar.gz"
    assert parley(source, "backup", str(archive)).returncode == 0

    foreign = tmp_path / "foreign.tar.gz"
    with tarfile.open(archive) as tar, tarfile.open(foreign, "w:gz") as out:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        manifest["database"] = "sqlite" if ON_POSTGRES else "postgresql"
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        out.addfile(info, io.BytesIO(data))
    refused = parley(target, "restore", str(foreign))
    assert refused.returncode == 1
    assert "holds a" in refused.stdout
    not_a_backup = parley(target, "restore", str(tmp_path / "missing.tar.gz"))
    assert not_a_backup.returncode == 1
    assert "cannot read" in not_a_backup.stdout

    restored = parley(target, "restore", str(archive))
    assert restored.returncode == 0, restored.stdout
    assert "migrations" in restored.stdout
    assert migrate.current(target.database_url) == (head(), head())
