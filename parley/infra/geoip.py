"""Country lookup in a MaxMind-format database (PARLEY_GEOIP_DB)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import maxminddb


class GeoIP:
    def __init__(self, path: Path) -> None:
        self._reader = maxminddb.open_database(str(path), maxminddb.MODE_MMAP)

    def country(self, ip: str) -> str | None:
        try:
            ipaddress.ip_address(ip)
            record: Any = self._reader.get(ip)
        except ValueError:
            return None
        if not isinstance(record, dict):
            return None
        country = record.get("country") or record.get("registered_country") or {}
        code = country.get("iso_code") if isinstance(country, dict) else None
        return str(code).upper() if code else None

    def close(self) -> None:
        self._reader.close()
