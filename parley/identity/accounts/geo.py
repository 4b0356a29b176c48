"""Where a person is: GeoIP on the client address, else the Accept-Language region."""

from __future__ import annotations

import re

from parley.infra.geoip import GeoIP

_REGION = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z]{4})?-([A-Za-z]{2})\b")


def first_forwarded_ip(x_forwarded_for: str | None) -> str | None:
    if not x_forwarded_for:
        return None
    first = x_forwarded_for.split(",")[0].strip()
    return first or None


def language_region(accept_language: str | None) -> str | None:
    """`ru-RU,ru;q=0.9` -> `RU`: the region of the first language tag, if it has one."""
    if not accept_language:
        return None
    first = accept_language.split(",")[0].split(";")[0].strip()
    found = _REGION.match(first)
    return found.group(1).upper() if found else None


def resolve_country(geoip: GeoIP | None, ip: str | None, accept_language: str | None) -> str | None:
    if geoip is not None and ip:
        country = geoip.country(ip)
        if country:
            return country
    return language_region(accept_language)
