"""Browser tests: Playwright for Python driving Debian's Chromium against a real `parley serve`
(mail to the SMTP sink). One browser and one server for the whole session; every test makes
its own people. Missing Chromium skips locally and fails under CI=true."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from parley.settings import Settings
from tests.support.servers import ServerProcess, SmtpSink, free_port, start_server

CHROMIUM = os.environ.get("PARLEY_TEST_CHROMIUM", "/usr/bin/chromium")


def _require_chromium() -> None:
    if Path(CHROMIUM).exists() and shutil.which(CHROMIUM):
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"Chromium is missing at {CHROMIUM}: CI needs it for tests/web")
    pytest.skip(f"no Chromium at {CHROMIUM}")


@pytest.fixture(scope="session")
def web_server(
    make_settings: Callable[..., Settings],
    smtp: SmtpSink,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServerProcess]:
    # A phone on a known device must still enter the code for a new desktop, so both QR
    # paths (code and no code) can be tried.
    port = free_port()
    settings = make_settings(
        mail_url=smtp.url,
        public_url=f"http://127.0.0.1:{port}",  # avatar and QR URLs on the page's origin
        qr_trusted_approver_skips_code=False,
    )
    server = start_server(settings, str(tmp_path_factory.mktemp("web-server")), port=port)
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    _require_chromium()
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        await chromium.close()
