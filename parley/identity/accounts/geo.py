"""The country an `Accept-Language` header names, for when GeoIP on the client address
(`parley.deps.get_client`, behind the trusted-proxy parser) does not tell."""

from __future__ import annotations

from babel.core import parse_locale


def language_region(accept_language: str | None) -> str | None:
    """`ru-RU,ru;q=0.9` -> `RU`: the country of the first language tag, if it names one.

    Babel parses a tag, not the header's list; browsers send the most preferred tag first.
    """
    if not accept_language:
        return None
    first = accept_language.split(",")[0].split(";")[0].strip()
    try:
        territory = parse_locale(first, sep="-")[1]
    except ValueError:
        return None
    # A UN M.49 area such as `es-419` (Latin America) is not a country.
    return territory if territory and territory.isalpha() else None
