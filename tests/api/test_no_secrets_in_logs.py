"""Issue 13, item 4: no one-time code, reset link or password hash reaches a log line, at
any level (mail subjects carried the 6-digit codes; DEBUG logged SQL parameters)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from parley.observability import JsonFormatter, configure_logging
from tests.support.accounts import PASSWORD, new_account
from tests.support.mail import code_in, last_mail, link_token_in


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def logs() -> Iterator[Collect]:
    root = logging.getLogger()
    handler, level = Collect(), root.level
    root.addHandler(handler)
    configure_logging("DEBUG")  # as `PARLEY_LOG_LEVEL=DEBUG` does
    root.addHandler(handler)
    yield handler
    configure_logging(logging.getLevelName(level))
    root.removeHandler(handler)


async def test_codes_links_and_hashes_never_reach_the_logs(
    client: httpx.AsyncClient, data_dir: Path, logs: Collect
) -> None:
    who = await new_account(client, "logged")
    assert (await client.post("/v1/auth/password-reset", json={"email": who.email})).status_code
    reset = await last_mail(data_dir, who.email, "reset")
    challenged = await client.post(
        "/v1/auth/login",
        json={"login": who.username, "password": PASSWORD, "device_id": "logged-device"},
    )
    assert challenged.status_code in (200, 403)
    text = "\n".join(logs.lines)
    assert logs.lines  # DEBUG was on
    assert code_in(reset) not in text
    assert link_token_in(reset, "/reset") not in text
    assert "$argon2id$" not in text
    verify = await last_mail(data_dir, who.email, "verify")
    assert code_in(verify) not in text
