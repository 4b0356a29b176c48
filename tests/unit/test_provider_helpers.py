"""Provider helpers without network or database: token box, state, usernames."""

from __future__ import annotations

import stat
from pathlib import Path

from parley.kit.time import clock
from parley.providers.base import ProviderProfile
from parley.providers.crypto import KEY_FILE, TokenBox, load_key
from parley.providers.naming import username_base, username_candidates


def test_key_is_created_once_and_private(tmp_path: Path) -> None:
    first = load_key(tmp_path / "keys")
    assert load_key(tmp_path / "keys") == first
    mode = (tmp_path / "keys" / KEY_FILE).stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_tokens_round_trip_and_are_not_readable(tmp_path: Path) -> None:
    box = TokenBox(load_key(tmp_path))
    sealed = box.seal({"oauth_token": "y0_secret"})
    assert sealed
    assert "y0_secret" not in sealed
    assert box.open(sealed) == {"oauth_token": "y0_secret"}
    assert box.seal({}) is None
    assert TokenBox(load_key(tmp_path / "other")).open(sealed) == {}


def test_state_is_bound_to_provider_and_expires(tmp_path: Path) -> None:
    box = TokenBox(load_key(tmp_path))
    state = box.new_state("yandex")
    assert box.check_state("yandex", state)
    assert not box.check_state("vk", state)
    assert not box.check_state("yandex", state.replace("yandex", "vk", 1))
    assert not box.check_state("yandex", "garbage")
    clock.advance(601)
    assert not box.check_state("yandex", state)


def test_usernames_come_from_handle_email_or_name() -> None:
    def base(**fields: str) -> str:
        return username_base(ProviderProfile(provider="vk", external_id="42", **fields))  # type: ignore[arg-type]

    assert base(username="ya.user") == "ya.user"
    assert base(email="john.doe@example.com") == "john.doe"
    assert base(name="Елисей В.") == "Елисей_В"  # noqa: RUF001
    assert base(name="!!") == "vk_42"
    assert base(username="x" * 40) == "x" * 24
    names = username_candidates("anna")
    assert names[:3] == ["anna", "anna_2", "anna_3"]
    assert all(len(n) <= 32 for n in username_candidates("y" * 24))
