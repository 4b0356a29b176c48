"""dev.py in a copy of the checkout: `serve` and `parley` install the runtime dependencies
only; `bootstrap` (like `test` and `lint`) adds the dev tools, which a later `parley` keeps."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".venv-tools"
DEV_ONLY = ("pytest", "mypy", "ruff", "lint-imports")


def dev_py(checkout: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))}
    result = subprocess.run(
        [sys.executable, str(checkout / "dev.py"), *args],
        cwd=checkout,
        env={**env, "PARLEY_DATA_DIR": str(checkout / "var")},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.slow
def test_serve_syncs_without_the_dev_tools_and_test_adds_them(tmp_path: Path) -> None:
    if not (TOOLS / "bin" / "uv").exists():
        pytest.skip("no .venv-tools/bin/uv (`python3 dev.py bootstrap` installs it)")
    checkout = tmp_path / "parley"
    checkout.mkdir()
    for name in ("dev.py", "pyproject.toml", "uv.lock", "README.md"):
        shutil.copy2(ROOT / name, checkout / name)
    shutil.copytree(ROOT / "parley", checkout / "parley", ignore=shutil.ignore_patterns("*.pyc"))
    (checkout / ".venv-tools").symlink_to(TOOLS)  # the bootstrapped uv, not a fresh download
    bin_dir = checkout / ".venv" / "bin"

    first = dev_py(checkout, "parley", "version")
    assert "installing the locked runtime dependencies" in first
    assert first.splitlines()[-1].startswith("parley ")
    assert (bin_dir / "parley").exists()
    assert [tool for tool in DEV_ONLY if (bin_dir / tool).exists()] == []

    added = dev_py(checkout, "bootstrap")
    assert "dev tools" in added
    assert all((bin_dir / tool).exists() for tool in DEV_ONLY)

    again = dev_py(checkout, "parley", "version")
    assert "installing" not in again
    assert all((bin_dir / tool).exists() for tool in DEV_ONLY)
