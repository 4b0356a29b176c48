from __future__ import annotations

import pytest
from starlette.requests import Request

from parley.kit.client import client_ip


def request(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "headers": headers, "client": (peer, 1234)})


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("127.0.0.1", "198.51.100.4", "198.51.100.4"),
        ("127.0.0.1", "198.51.100.4, 10.0.0.2", "10.0.0.2"),
        ("203.0.113.9", "198.51.100.4", "203.0.113.9"),
        ("127.0.0.1", None, "127.0.0.1"),
        ("127.0.0.1", "not-an-ip", "127.0.0.1"),
        ("127.0.0.1", "198.51.100.4, 127.0.0.1", "198.51.100.4"),
    ],
)
def test_forwarded_for_is_trusted_only_from_proxies(
    peer: str, forwarded: str | None, expected: str
) -> None:
    assert client_ip(request(peer, forwarded), ["127.0.0.1", "::1"]) == expected


def test_proxy_networks_are_accepted() -> None:
    assert client_ip(request("10.1.2.3", "198.51.100.4"), ["10.0.0.0/8"]) == "198.51.100.4"
