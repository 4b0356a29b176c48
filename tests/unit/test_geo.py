from __future__ import annotations

from pathlib import Path

import pytest

from parley.identity.accounts.geo import first_forwarded_ip, language_region, resolve_country
from parley.infra.geoip import GeoIP
from tests.support.geoip import write_country_db


@pytest.mark.parametrize(
    ("header", "region"),
    [
        ("ru-RU,ru;q=0.9,en-US;q=0.8", "RU"),
        ("en-us", "US"),
        ("zh-Hant-TW", "TW"),
        ("ru", None),
        ("*", None),
        ("", None),
        (None, None),
    ],
)
def test_accept_language_region(header: str | None, region: str | None) -> None:
    assert language_region(header) == region


def test_first_forwarded_ip() -> None:
    assert first_forwarded_ip("198.51.100.4, 10.0.0.1") == "198.51.100.4"
    assert first_forwarded_ip(None) is None


def test_geoip_first_then_language(tmp_path: Path) -> None:
    geoip = GeoIP(write_country_db(tmp_path / "c.mmdb"))
    assert resolve_country(geoip, "198.51.100.9", "ru-RU") == "DE"
    assert resolve_country(geoip, "192.0.2.1", "ru-RU") == "RU"
    assert resolve_country(geoip, "not-an-ip", None) is None
    assert resolve_country(None, "198.51.100.9", "en-GB") == "GB"
    geoip.close()
