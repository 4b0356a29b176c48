"""What the container image runs: the wheel, built and installed with the locked runtime
dependencies into a fresh virtualenv, migrates a SQLite database and serves the web client."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from parley.testing import ServerProcess, free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]


def uv_binary() -> str | None:
    """The uv that dev.py bootstraps into .venv-tools, else one on PATH."""
    bootstrapped = ROOT / ".venv-tools" / ("Scripts" if os.name == "nt" else "bin") / "uv"
    return str(bootstrapped) if bootstrapped.exists() else shutil.which("uv")


def run(*command: str | Path, env: dict[str, str] | None = None, cwd: Path = ROOT) -> str:
    result = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=cwd,
        timeout=600,
    )
    assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@dataclass
class Install:
    wheel: Path
    bin: Path
    home: Path  # the working directory: no .env, no checkout on sys.path

    def env(self) -> dict[str, str]:
        data = self.home / "var"
        return {
            "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(self.home),
            "PYTHONUNBUFFERED": "1",
            "PARLEY_DATA_DIR": str(data),
            "PARLEY_DATABASE_URL": f"sqlite+aiosqlite:///{data}/parley.db",
        }


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory) -> Install:
    uv = uv_binary()
    if uv is None:
        if os.environ.get("CI") == "true":
            pytest.fail("uv is missing: run `python3 dev.py bootstrap` first")
        pytest.skip("uv is missing (`python3 dev.py bootstrap` installs it)")
    tmp = tmp_path_factory.mktemp("wheel")
    dist, venv, home = tmp / "dist", tmp / "venv", tmp / "home"
    home.mkdir()
    run(uv, "build", "--wheel", "--out-dir", dist)
    (wheel,) = dist.glob("*.whl")
    requirements = dist / "requirements.txt"
    run(uv, "export", "--frozen", "--no-dev", "--no-emit-project", "-o", requirements)
    run(uv, "venv", "--python", sys.executable, venv)
    python = venv / "bin" / "python"
    run(uv, "pip", "install", "--python", python, "--require-hashes", "-r", requirements)
    run(uv, "pip", "install", "--python", python, "--no-deps", wheel)
    return Install(wheel, venv / "bin", home)


def test_the_distribution_is_parley_chat_with_the_parley_command(install: Install) -> None:
    assert install.wheel.name.startswith("parley_chat-")
    assert (install.bin / "parley").exists()
    where = run(
        install.bin / "python", "-c", "import parley; print(parley.__file__)", cwd=install.home
    )
    assert where.startswith(str(install.bin.parent)), where


def test_the_wheel_carries_every_data_file_of_the_package(install: Install) -> None:
    tracked = run("git", "ls-files", "parley").split()
    data_files = {path for path in tracked if not path.endswith(".py")}
    assert any(path.startswith("parley/web/static/") for path in data_files)
    assert any(path.startswith("parley/migrations/") for path in data_files)
    with zipfile.ZipFile(install.wheel) as wheel:
        names = set(wheel.namelist())
    assert data_files - names == set()
    assert {path for path in tracked if path.endswith(".py")} - names == set()


def test_installed_parley_migrates_and_serves_the_web_client(install: Install) -> None:
    env = install.env()
    run(install.bin / "parley", "db", "upgrade", env=env, cwd=install.home)
    port = free_port()
    log_path = install.home / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(install.bin / "parley"), "serve", "--port", str(port), "--no-migrate"],
            env=env,
            cwd=install.home,
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
