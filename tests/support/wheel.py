"""The wheel as the container image installs it: built, then installed with the locked runtime
dependencies (nothing else) into a fresh virtualenv. Built once per test run: test processes
share it through a lock in the run's common temporary directory."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

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
    home: Path  # a working directory: no .env, no checkout on sys.path
    sdist: Path

    @property
    def parley(self) -> Path:
        return self.bin / "parley"

    def env(self) -> dict[str, str]:
        data = self.home / "var"
        return {
            "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(self.home),
            "PYTHONUNBUFFERED": "1",
            "PARLEY_DATA_DIR": str(data),
            "PARLEY_DATABASE_URL": f"sqlite+aiosqlite:///{data}/parley.db",
        }


def installed_wheel(uv: str, where: Path) -> Install:
    """Build and install the wheel under `where`, or reuse the install another test process
    finished there."""
    where.mkdir(parents=True, exist_ok=True)
    dist, venv, home = where / "dist", where / "venv", where / "home"
    with (where / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (where / "done").exists():
            _build_and_install(uv, dist, venv)
            home.mkdir(exist_ok=True)
            (where / "done").touch()
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    return Install(wheel, venv / "bin", home, sdist)


def _build_and_install(uv: str, dist: Path, venv: Path) -> None:
    shutil.rmtree(dist, ignore_errors=True)
    run(uv, "build", "--sdist", "--wheel", "--out-dir", dist)
    requirements = dist / "requirements.txt"
    run(uv, "export", "--frozen", "--no-dev", "--no-emit-project", "-o", requirements)
    run(uv, "venv", "--clear", "--python", sys.executable, venv)
    # compiled like pip in the image does: the instances then start without compiling
    install = (uv, "pip", "install", "--compile-bytecode", "--python", venv / "bin" / "python")
    run(*install, "--require-hashes", "-r", requirements)
    (wheel,) = dist.glob("*.whl")
    run(*install, "--no-deps", wheel)
