"""Files in the web client: attached in the composer, downloaded by the other member. With S3
(moto) a file above the multipart cap goes straight to the bucket (the page's CSP lets it);
with the file backend the client falls back to multipart."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from parley.settings import Settings
from tests.support.s3 import moto_s3
from tests.support.servers import ServerProcess, SmtpSink, free_port, start_server
from tests.web.people import audit, befriend, message, register

MULTIPART_CAP = 1000


@pytest.fixture(scope="module")
def s3_server(
    make_settings: Callable[..., Settings], smtp: SmtpSink, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    with moto_s3("parley-web") as s3:
        port = free_port()
        settings = make_settings(
            mail_url=smtp.url,
            public_url=f"http://127.0.0.1:{port}",
            storage_url=s3.storage_url,
            attachment_max_bytes=MULTIPART_CAP,
        )
        keys = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
        log_dir = str(tmp_path_factory.mktemp("s3-web-server"))
        server = start_server(settings, log_dir, port=port, extra_env=keys)
        yield server
        server.stop()


async def attach_and_download(
    browser: Browser, server: ServerProcess, smtp: SmtpSink, data: bytes, tmp_path: Path
) -> None:
    anna = await register(browser, server, smtp, "fanna")
    boris = await register(browser, server, smtp, "fboris")
    await befriend(anna, boris)
    await anna.page.get_by_role("button", name=f"Message {boris.username}").click()
    await expect(anna.page).to_have_url(re.compile(r"/chat/\d+$"))
    await anna.page.get_by_label("Attach a file").set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": data}]
    )
    await expect(message(anna.page, "notes.txt")).to_be_visible()
    await audit(anna.page, "chat-attachment")
    await boris.page.get_by_role("link", name="Chats").click()
    await boris.page.get_by_role("link", name=re.compile(anna.username)).click()
    async with boris.page.expect_download() as started:
        await boris.page.get_by_role("button", name="Download notes.txt").click()
    download = await started.value
    assert download.suggested_filename == "notes.txt"
    saved = tmp_path / "notes.txt"
    await download.save_as(saved)
    assert saved.read_bytes() == data
    anna.check_clean()
    boris.check_clean()
    await anna.context.close()
    await boris.context.close()


async def test_a_file_above_the_multipart_cap_goes_straight_to_s3(
    browser: Browser, s3_server: ServerProcess, smtp: SmtpSink, tmp_path: Path
) -> None:
    await attach_and_download(browser, s3_server, smtp, b"direct " * MULTIPART_CAP, tmp_path)


async def test_with_the_file_backend_files_go_through_parley(
    browser: Browser, web_server: ServerProcess, smtp: SmtpSink, tmp_path: Path
) -> None:
    await attach_and_download(browser, web_server, smtp, b"through parley\n", tmp_path)
