"""Every Prometheus metric Parley exports, in one place (docs/metrics.md lists them).

Each is counted at the one function every instance of its action passes through. Label
children are looked up once per label set (`functools.cache`), so a hot path pays one dict
lookup and an increment. With `serve --workers N` the values live in the shared
`PROMETHEUS_MULTIPROC_DIR` (`parley.serving`) and `registry()` adds up the workers."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from parley.errors import ParleyError

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
_FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)

REQUESTS = Counter("parley_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("parley_http_request_seconds", "HTTP request latency", ["route"], buckets=_FAST)
SIGN_INS = Counter(
    "parley_sign_ins_total", "Sign-in attempts by surface and outcome", ["surface", "outcome"]
)
DEVICE_CHALLENGES = Counter(
    "parley_device_challenges_total", "Sign-ins from a new device that were mailed a code"
)
MESSAGE_SENDS = Counter("parley_message_sends_total", "Message sends by outcome", ["outcome"])
SEND_SECONDS = Histogram(
    "parley_message_send_seconds",
    "A stored message send, from the writer taking it to its commit",
    buckets=_FAST,
)
SEND_BATCH = Histogram(
    "parley_message_write_batch_size",
    "Messages written by one group-commit transaction",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128),
)
GATEWAY_CONNECTIONS = Gauge(
    "parley_gateway_connections", "Open gateway websockets", multiprocess_mode="livesum"
)
DISPATCH_LAG = Histogram(
    "parley_gateway_dispatch_lag_seconds",
    "From an event's emission to its frame queued on the gateway sockets of this instance",
    buckets=_FAST,
)
BUS_PUBLISH_FAILURES = Counter(
    "parley_bus_publish_failures_total", "Bus publishes Redis refused", ["kept"]
)
BUS_RECONNECTS = Counter(
    "parley_bus_listener_reconnects_total", "Times the bus listener lost Redis and reconnected"
)
PUSH_DELIVERIES = Counter(
    "parley_push_deliveries_total", "Push notification attempts by outcome", ["kind", "outcome"]
)
RATE_LIMITED = Counter(
    "parley_rate_limited_total", "Requests refused by a rate limit, by its name", ["limit"]
)

# Sign-in refusals by error code; any other refusal counts as "refused".
_SIGN_IN_OUTCOMES = {
    "invalid_credentials": "bad_credentials",
    "unknown_account": "bad_credentials",
    "rate_limited": "locked",
    "account_disabled": "disabled",
    "device_verification_required": "challenged",
    "approval_required": "approval",
    "second_factor_required": "second_factor",
    "invalid_second_factor": "bad_second_factor",
    "second_factor_expired": "bad_second_factor",
    "invalid_code": "bad_code",
    "code_expired": "bad_code",
    "unavailable": "unavailable",
}


@cache
def _child(metric: Any, *labels: str) -> Any:
    return metric.labels(*labels)


def request(method: str, route: str, status: int, seconds: float) -> None:
    _child(REQUESTS, method, route, str(status)).inc()
    _child(LATENCY, route).observe(seconds)


def sign_in(surface: str, outcome: str = "ok") -> None:
    _child(SIGN_INS, surface, outcome).inc()


def sign_in_refused(surface: str, code: str) -> None:
    sign_in(surface, _SIGN_IN_OUTCOMES.get(code, "refused"))


def message_send(outcome: str, seconds: float | None = None) -> None:
    _child(MESSAGE_SENDS, outcome).inc()
    if seconds is not None:
        SEND_SECONDS.observe(seconds)


def dispatch_lag(emitted_at: Any) -> None:
    if isinstance(emitted_at, float):
        DISPATCH_LAG.observe(max(0.0, time.time() - emitted_at))


def bus_publish_failed(kept: bool) -> None:
    _child(BUS_PUBLISH_FAILURES, "true" if kept else "false").inc()


def push_delivery(kind: str, outcome: str) -> None:
    _child(PUSH_DELIVERIES, kind, outcome).inc()


def rate_limited(limit: str) -> None:
    _child(RATE_LIMITED, limit).inc()


def registry() -> CollectorRegistry:
    """This process's metrics, or every worker's added up under `serve --workers N`."""
    if not os.environ.get(MULTIPROCESS_DIR):
        return REGISTRY
    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)  # type: ignore[no-untyped-call]
    return combined


def exposition() -> tuple[bytes, str]:
    """The text a scrape reads, and its content type."""
    return generate_latest(registry()), CONTENT_TYPE_LATEST


@contextmanager
def sign_in_attempt(surface: str) -> Iterator[None]:
    """Counts a refused sign-in by its error; a success is counted where its session opens."""
    try:
        yield
    except ParleyError as exc:
        sign_in_refused(surface, exc.code)
        raise
