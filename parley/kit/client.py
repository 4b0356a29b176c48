"""Who is calling: address, user agent and device.

X-Forwarded-For is trusted only from the configured proxies."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from starlette.requests import HTTPConnection


@dataclass(frozen=True, slots=True)
class ClientInfo:
    ip: str | None = None
    user_agent: str | None = None
    device_id: str | None = None
    country: str | None = None


def client_ip(conn: HTTPConnection, trusted_proxies: list[str]) -> str | None:
    peer = conn.client.host if conn.client else None
    forwarded = conn.headers.get("x-forwarded-for")
    if not forwarded or not _is_trusted(peer, trusted_proxies):
        return peer
    # Walk from the nearest hop back, skipping our own proxies.
    for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        if not _is_trusted(hop, trusted_proxies):
            return hop if _valid_ip(hop) else peer
    return peer


def client_info(
    conn: HTTPConnection, trusted_proxies: list[str], device_id: str | None = None
) -> ClientInfo:
    agent = conn.headers.get("user-agent")
    return ClientInfo(
        ip=client_ip(conn, trusted_proxies),
        user_agent=agent[:512] if agent else None,
        device_id=device_id[:128] if device_id else None,
    )


def _valid_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _is_trusted(host: str | None, trusted: list[str]) -> bool:
    if host is None:
        return False
    if host in trusted:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    for entry in trusted:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False
