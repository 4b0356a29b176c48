#!/usr/bin/env python3
"""Bootstrap and run Parley with nothing but Python 3.11+.

    python3 dev.py serve [parley serve options]   serve on the embedded default
    python3 dev.py test [pytest options]          run the whole test suite
    python3 dev.py lint                           ruff, mypy, import contracts, alembic check
    python3 dev.py parley ...                     any `parley` CLI command
    python3 dev.py bootstrap                      only create/refresh .venv

The first run creates `.venv` and installs the locked dependencies (uv.lock); later runs
re-sync only when the lock file changes.
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


def ensure_env() -> None:
    if sys.version_info < (3, 11):
        sys.exit("Parley needs Python 3.11 or newer")
    tools_bin = TOOLS / ("Scripts" if os.name == "nt" else "bin")
    uv = tools_bin / "uv"
    if not uv.exists():
        print("bootstrapping uv into .venv-tools ...", flush=True)
        venv.create(TOOLS, with_pip=True)
        run([str(tools_bin / "python"), "-m", "pip", "install", "-q", f"uv=={UV_VERSION}"])
    lock = ROOT / "uv.lock"
    stamp = VENV / ".parley-lock"
    digest = hashlib.sha256(lock.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest and (BIN / "parley").exists():
        return
    print("installing locked dependencies into .venv ...", flush=True)
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(VENV)}
    run([str(uv), "sync", "--frozen", "--python", sys.executable], env=env)
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
    ensure_env()
    os.chdir(ROOT)
    if command == "serve":
        exec_in_env("parley", ["serve", *args])
    elif command == "test":
        workers = [] if any(a.startswith("-n") for a in args) else ["-n", "2"]
        exec_in_env("pytest", [*workers, *args])
    elif command == "bootstrap":
        return
    elif command == "lint":
        lint()
    else:
        exec_in_env("parley", args)


if __name__ == "__main__":
    main()
