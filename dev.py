#!/usr/bin/env python3
"""Bootstrap and run Parley with nothing but Python 3.11+.

    python3 dev.py serve [parley serve options]   serve on the embedded default
    python3 dev.py test [pytest options]          run the whole test suite
    python3 dev.py lint                           ruff, mypy, import contracts, alembic check
    python3 dev.py parley ...                     any `parley` CLI command
    python3 dev.py bootstrap                      only create/refresh .venv

The first run creates `.venv` and installs the locked dependencies (uv.lock): `serve` and
`parley` only those Parley runs on, `test`, `lint` and `bootstrap` the dev tools as well.
Later runs re-sync only when the lock file changes or the dev tools are first needed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
TOOLS = ROOT / ".venv-tools"
UV_VERSION = "0.13.8"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def ensure_env(*, dev: bool) -> None:
    """Sync .venv with the lock: the runtime dependencies, plus the dev group with `dev`. A
    dev sync also satisfies a runtime one; a runtime sync leaves dev tools installed."""
    if sys.version_info < (3, 11):
        sys.exit("Parley needs Python 3.11 or newer")
    tools_bin = TOOLS / ("Scripts" if os.name == "nt" else "bin")
    uv = tools_bin / "uv"
    if not uv.exists():
        print("bootstrapping uv into .venv-tools ...", flush=True)
        venv.create(TOOLS, with_pip=True)
        run([str(tools_bin / "python"), "-m", "pip", "install", "-q", f"uv=={UV_VERSION}"])
    lock = ROOT / "uv.lock"
    digest = hashlib.sha256(lock.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = VENV / (".parley-lock-dev" if dev else ".parley-lock-runtime")
    enough = [VENV / ".parley-lock-dev"] if dev else [stamp, VENV / ".parley-lock-dev"]
    if (BIN / "parley").exists() and any(s.exists() and s.read_text() == digest for s in enough):
        return
    if dev:
        print("installing the locked dependencies and dev tools into .venv ...", flush=True)
        groups: list[str] = []
    else:
        print("installing the locked runtime dependencies into .venv ...", flush=True)
        groups = ["--no-dev", "--inexact"]
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(VENV)}
    # Bytecode compiled once here: with PYTHONDONTWRITEBYTECODE set, every process would
    # otherwise compile the dependencies afresh (about half of a server's start-up CPU).
    sync = ["sync", "--frozen", "--compile-bytecode", *groups, "--python", sys.executable]
    run([str(uv), *sync], env=env)
    stamp.write_text(digest)


def run(cmd: list[str], env: dict[str, str] | None = None) -> None:
    result = subprocess.run(cmd, cwd=ROOT, env=env, check=False)
    if result.returncode:
        sys.exit(result.returncode)


def exec_in_env(program: str, args: list[str]) -> None:
    path = str(BIN / program)
    os.execv(path, [path, *args])


def lint() -> None:
    for cmd in (
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["mypy", "parley"],
        ["lint-imports"],
    ):
        print(f"$ {' '.join(cmd)}", flush=True)
        run([str(BIN / cmd[0]), *cmd[1:]])


def main() -> None:
    command, *args = sys.argv[1:] or ["help"]
    if command not in {"serve", "test", "lint", "parley", "bootstrap"}:
        print(__doc__)
        sys.exit(0 if command == "help" else 2)
    ensure_env(dev=command in {"test", "lint", "bootstrap"})
    os.chdir(ROOT)
    if command == "serve":
        exec_in_env("parley", ["serve", *args])
    elif command == "test":
        workers = [] if any(a.startswith("-n") for a in args) else ["-n", "2"]
        # The suite starts a hundred-odd servers: let them share Parley's compiled modules.
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        exec_in_env("pytest", [*workers, *args])
    elif command == "bootstrap":
        return
    elif command == "lint":
        lint()
    else:
        exec_in_env("parley", args)


if __name__ == "__main__":
    main()
