from __future__ import annotations

import pytest

from parley.identity.accounts.geo import language_region


@pytest.mark.parametrize(
    ("header", "region"),
    [
        ("ru-RU,ru;q=0.9,en-US;q=0.8", "RU"),
        ("en-us", "US"),
        ("zh-Hant-TW", "TW"),
        ("de-DE-1996;q=1", "DE"),
        ("ru,en-US;q=0.8", None),  # the first tag names no country
        ("es-419", None),  # Latin America is no country
        ("ru", None),
        ("*", None),
        ("12-34", None),
        ("", None),
        (None, None),
    ],
)
def test_accept_language_region(header: str | None, region: str | None) -> None:
    assert language_region(header) == region
