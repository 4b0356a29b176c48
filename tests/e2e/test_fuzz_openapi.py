"""schemathesis against /openapi.json of a running server (SQLite), on a bounded budget.

Every operation gets a few generated requests, authenticated with a real token: no 5xx, and
every status code, content type and body must be the ones the OpenAPI document declares.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks
from schemathesis.core.failures import FailureGroup

from parley.settings import Settings
from tests.conftest import ON_POSTGRES
from tests.support.accounts import PASSWORD
from tests.support.servers import start_server

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="the fuzzer runs on the SQLite build")

EXAMPLES_PER_OPERATION = 6
TOTAL_SECONDS = 75.0
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
# Operations whose effects would end the fuzzer's own session or need a second party.
SKIPPED = {
    ("POST", "/v1/auth/logout"),
    ("POST", "/v1/auth/password"),
    ("DELETE", "/v1/sessions/{session_id}"),
}


def _token(base: str) -> str:
    name = f"fuzz_{time.monotonic_ns()}"
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    assert httpx.post(f"{base}/v1/auth/register", json=body).status_code == 201
    response = httpx.post(f"{base}/v1/auth/login", json={"login": name, "password": PASSWORD})
    token: str = response.json()["access_token"]
    return token


def test_the_openapi_document_holds_under_fuzzing(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    server = start_server(make_settings(data_dir=tmp_path / "data"), str(tmp_path))
    try:
        token = _token(server.url)
        schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
        headers = {"Authorization": f"Bearer {token}"}
        deadline = time.monotonic() + TOTAL_SECONDS
        failures: list[str] = []
        tested = 0
        for result in schema.get_all_operations():
            operation = result.ok()
            if (operation.method.upper(), operation.path) in SKIPPED:
                continue
            if time.monotonic() > deadline:
                break
            tested += 1

            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy())
            def run(case: Any) -> None:
                case.call_and_validate(
                    base_url=server.url, headers=headers, checks=CHECKS, timeout=10
                )

            try:
                run()
            except (AssertionError, FailureGroup) as exc:
                failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:2000])
        assert tested > 20
        assert not failures, "\n\n".join(failures)
    finally:
        server.stop()
