"""A tiny MaxMind-format country database for tests."""

from __future__ import annotations

from pathlib import Path

from mmdb_writer import MMDBWriter
from netaddr import IPSet

NETWORKS = {"198.51.100.0/24": "DE", "203.0.113.0/24": "FR"}


def write_country_db(path: Path) -> Path:
    writer = MMDBWriter(ip_version=4, database_type="GeoLite2-Country")
    for network, code in NETWORKS.items():
        writer.insert_network(IPSet([network]), {"country": {"iso_code": code}})
    writer.to_db_file(str(path))
    return path
