"""What a person sees when starting `parley serve`: links on the served address, one line
saying where everything is, logs without terminal escapes."""

from __future__ import annotations

import json
import logging
import os
import pty
import re
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from parley.serving import announce_ready
from parley.settings import Settings
from tests.support.accounts import PASSWORD, unique_name
from tests.support.images import image_bytes
from tests.support.mail import body_of, mail_to
from tests.support.servers import ServerProcess, free_port, settings_env


def ready_line(server: ServerProcess) -> str:
    lines = [line for line in server.log().splitlines() if "Parley is ready at" in line]
    assert len(lines) == 1, server.log()
    return lines[0]


async def test_links_follow_the_served_port_when_the_public_url_is_unset(
    server_factory: Callable[..., ServerProcess],
    make_settings: Callable[..., Settings],
    data_dir: Path,
) -> None:
    port = free_port()
    server = server_factory(
        make_settings(log_level="INFO"), port=port, unset=("PARLEY_PUBLIC_URL",)
    )
    served = f"http://127.0.0.1:{port}"
    name = unique_name("firstrun")
    email = f"{name}@example.com"
    async with httpx.AsyncClient(base_url=server.url) as client:
        body = {"username": name, "email": email, "password": PASSWORD}
        assert (await client.post("/v1/auth/register", json=body)).status_code == 201
        tokens = (
            await client.post("/v1/auth/login", json={"login": name, "password": PASSWORD})
        ).json()
        uploaded = await client.put(
            "/v1/users/me/avatar",
            files={"file": ("a.png", image_bytes(), "application/octet-stream")},
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["avatar_url"].startswith(f"{served}/media/avatars/")
    (verify,) = await mail_to(data_dir, email, "verify")
    links = re.findall(r"https?://[^\s\"'<>]+", body_of(verify))
    assert links
    assert all(link.startswith(f"{served}/") for link in links), links
    # not a terminal: every line is JSON, the ready line included, and none carries escapes
    log = server.log()
    assert "\x1b" not in log
    assert "color_message" not in log
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    (ready,) = [r for r in records if r["msg"].startswith("Parley is ready at")]
    assert ready["url"] == served
    assert ready["mail"] == f"outbox {data_dir / 'outbox'}"
    assert ready["first_admin"] == "parley users create NAME --admin"
    assert ready["database"].startswith(("sqlite", "postgresql"))


async def test_the_ready_line_hides_the_database_password_and_names_the_mail_host(
    server_factory: Callable[..., ServerProcess], make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(
        log_level="INFO",
        public_url="https://chat.example.com",
        mail_url="smtp://u:pw@127.0.0.1:2525",
    )
    server = server_factory(settings, extra_env={"PARLEY_LOG_FORMAT": "text"})
    line = ready_line(server)
    assert not line.startswith("{")
    assert "Parley is ready at https://chat.example.com" in line
    assert 'mail="smtp 127.0.0.1:2525"' in line
    assert 'first_admin="parley users create NAME --admin"' in line
    assert ":pw@" not in server.log()
    assert "\x1b" not in server.log()


def test_on_a_terminal_the_log_is_text(make_settings: Callable[..., Settings]) -> None:
    port = free_port()
    env = {**os.environ, **settings_env(make_settings(log_level="INFO")), "PYTHONUNBUFFERED": "1"}
    env.pop("PARLEY_LOG_FORMAT", None)
    main, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "parley", "serve", "--port", str(port), "--no-migrate"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
    )
    os.close(terminal)
    shown = b""
    try:
        deadline = time.monotonic() + 60
        while b"Parley is ready at" not in shown and time.monotonic() < deadline:
            if select.select([main], [], [], 1)[0]:
                shown += os.read(main, 65536)
    finally:
        process.terminate()
        process.wait(15)
        os.close(main)
    text = shown.decode(errors="replace")
    (line,) = [line for line in text.splitlines() if "Parley is ready at" in line]
    assert re.match(r"\d\d:\d\d:\d\d INFO parley: Parley is ready at http://testserver ", line)
    assert not any(line.startswith("{") for line in text.splitlines())


def test_the_ready_line_names_no_secret(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(
        database_url="postgresql+asyncpg://parley:s3cret@db.internal:5432/parley",
        mail_url="smtps://mailer:pa55@mail.example.com:465",
    )
    with caplog.at_level(logging.INFO, logger="parley"):
        announce_ready(settings)
    (record,) = [r for r in caplog.records if r.getMessage().startswith("Parley is ready")]
    assert vars(record)["database"] == "postgresql+asyncpg://parley:***@db.internal:5432/parley"
    assert vars(record)["mail"] == "smtps mail.example.com:465"
    assert "s3cret" not in caplog.text
    assert "pa55" not in caplog.text
