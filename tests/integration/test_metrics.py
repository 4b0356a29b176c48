"""The domain metrics a real `parley serve` exports after real traffic, and /metrics on its
own port (`PARLEY_METRICS_PORT`)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from prometheus_client.parser import text_string_to_metric_families

from parley.settings import Settings
from tests.conftest import needs_redis
from tests.support.accounts import PASSWORD, new_account
from tests.support.gateway import Gateway
from tests.support.servers import ServerProcess, free_port

Series = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(url: str) -> Series:
    response = httpx.get(f"{url}/metrics", timeout=10)
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(series: Series, name: str, **labels: str) -> float:
    return series.get((name, frozenset(labels.items())), 0.0)


async def test_sign_ins_sends_gateway_and_rate_limits_are_counted(
    make_settings: Callable[..., Settings], server_factory: Callable[..., ServerProcess]
) -> None:
    settings = make_settings(rate_limits_enabled=True, rate_login="4/minute")
    server = server_factory(settings)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        alice = await new_account(client, "alice")
        bob = await new_account(client, "bob")
        wrong = {"login": bob.username, "password": "not the password"}
        assert (await client.post("/v1/auth/login", json=wrong)).status_code == 401
        challenged = await client.post(
            "/v1/auth/login",
            json={"login": alice.username, "password": PASSWORD, "device_id": "metrics-dev"},
        )
        assert challenged.status_code == 403, challenged.text
        refused = [(await client.post("/v1/auth/login", json=wrong)).status_code for _ in range(4)]
        assert refused[-1] == 429, refused

        gateway = await Gateway.open(server.ws_url)
        await gateway.identify(bob.access_token)
        opened = await client.post(
            "/v1/channels/direct", json={"user_id": bob.id}, headers=alice.headers
        )
        channel_id = opened.json()["id"]
        sent = await client.post(
            f"/v1/channels/{channel_id}/messages", json={"content": "hi"}, headers=alice.headers
        )
        assert sent.status_code in (200, 201), sent.text
        assert (await gateway.dispatch())["t"] in ("CHANNEL_CREATE", "MESSAGE_CREATE")
        series = scrape(server.url)
        assert value(series, "parley_gateway_connections") == 1
        await gateway.ws.close()

    assert value(series, "parley_sign_ins_total", surface="native", outcome="ok") == 2
    assert value(series, "parley_sign_ins_total", surface="native", outcome="bad_credentials") >= 1
    assert value(series, "parley_sign_ins_total", surface="native", outcome="challenged") == 1
    assert value(series, "parley_sign_ins_total", surface="native", outcome="locked") >= 1
    assert value(series, "parley_device_challenges_total") == 1
    assert value(series, "parley_rate_limited_total", limit="login-user") >= 1
    assert value(series, "parley_message_sends_total", outcome="ok") == 1
    assert value(series, "parley_message_send_seconds_count") == 1
    assert value(series, "parley_gateway_dispatch_lag_seconds_count") >= 1
    route = "/v1/channels/{channel_id}/messages"
    assert value(series, "parley_http_requests_total", method="POST", route=route, status="201")
    assert value(series, "parley_http_request_seconds_count", route="/v1/auth/login") >= 7


def test_metrics_on_their_own_port(
    make_settings: Callable[..., Settings], server_factory: Callable[..., ServerProcess]
) -> None:
    port = free_port()
    server = server_factory(make_settings(metrics_port=port))
    assert httpx.get(f"{server.url}/metrics").status_code == 404
    series = scrape(f"http://127.0.0.1:{port}")
    assert value(
        series, "parley_http_requests_total", method="GET", route="/v1/health", status="200"
    )


@needs_redis
def test_workers_add_up_on_the_metrics_port(
    make_settings: Callable[..., Settings], server_factory: Callable[..., ServerProcess]
) -> None:
    port = free_port()
    server = server_factory(make_settings(metrics_port=port), workers=2)
    for _ in range(20):
        assert httpx.get(f"{server.url}/v1/health/live").status_code == 200
    series = scrape(f"http://127.0.0.1:{port}")
    live = value(
        series, "parley_http_requests_total", method="GET", route="/v1/health/live", status="200"
    )
    assert live == 20
    assert value(series, "parley_gateway_connections") == 0
