"""The installed wheel, shared by the end-to-end tests that run what the image runs."""

from __future__ import annotations

import os

import pytest

from tests.support.wheel import Install, installed_wheel, uv_binary


@pytest.fixture(scope="session")
def wheel_install(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Install:
    uv = uv_binary()
    if uv is None:
        if os.environ.get("CI") == "true":
            pytest.fail("uv is missing: run `python3 dev.py bootstrap` first")
        pytest.skip("uv is missing (`python3 dev.py bootstrap` installs it)")
    if worker_id == "master":  # no xdist: nobody to share with
        return installed_wheel(uv, tmp_path_factory.mktemp("wheel"))
    return installed_wheel(uv, tmp_path_factory.getbasetemp().parent / "wheel")
