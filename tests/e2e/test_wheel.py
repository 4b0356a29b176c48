"""What the container image runs: the wheel, built and installed with the locked runtime
dependencies into a fresh virtualenv, migrates a SQLite database and serves the web client."""

from __future__ import annotations

import subprocess
import tarfile
import zipfile

import httpx

from parley.testing import ServerProcess, free_port, wait_healthy
from tests.support.wheel import Install, run


def test_the_distribution_is_parley_chat_with_the_parley_command(wheel_install: Install) -> None:
    assert wheel_install.wheel.name.startswith("parley_chat-")
    assert (wheel_install.bin / "parley").exists()
    where = run(
        wheel_install.bin / "python",
        "-c",
        "import parley; print(parley.__file__)",
        cwd=wheel_install.home,
    )
    assert where.startswith(str(wheel_install.bin.parent)), where


def test_the_wheel_carries_every_data_file_of_the_package(wheel_install: Install) -> None:
    tracked = run("git", "ls-files", "parley").split()
    data_files = {path for path in tracked if not path.endswith(".py")}
    assert any(path.startswith("parley/web/static/") for path in data_files)
    assert any(path.startswith("parley/migrations/") for path in data_files)
    with zipfile.ZipFile(wheel_install.wheel) as wheel:
        names = set(wheel.namelist())
    assert data_files - names == set()
    assert {path for path in tracked if path.endswith(".py")} - names == set()


def test_the_sdist_carries_the_package_and_its_build_files(wheel_install: Install) -> None:
    tracked = set(run("git", "ls-files", "parley").split())
    with tarfile.open(wheel_install.sdist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert tracked - names == set()
    assert {"pyproject.toml", "README.md"} <= names


def test_installed_parley_migrates_and_serves_the_web_client(wheel_install: Install) -> None:
    env = wheel_install.env()
    run(wheel_install.bin / "parley", "db", "upgrade", env=env, cwd=wheel_install.home)
    port = free_port()
    log_path = wheel_install.home / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(wheel_install.bin / "parley"), "serve", "--port", str(port), "--no-migrate"],
            env=env,
            cwd=wheel_install.home,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = ServerProcess(port, process, str(log_path))
    try:
        wait_healthy(server.url, process, server.log, timeout=60)
        live = httpx.get(f"{server.url}/v1/health/live", timeout=5)
        assert live.status_code == 200
        assert live.json() == {"status": "ok"}
        page = httpx.get(f"{server.url}/", timeout=5)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert '<script type="module" src="/assets/js/main.js">' in page.text
        for asset in ("/assets/js/main.js", "/assets/app.css", "/assets/js/i18n/ru.js"):
            assert httpx.get(f"{server.url}{asset}", timeout=5).status_code == 200, asset
    finally:
        server.stop()
