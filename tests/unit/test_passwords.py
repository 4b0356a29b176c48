from __future__ import annotations

import pytest

from parley.errors import Invalid
from parley.identity.accounts.passwords import Passwords
from parley.identity.accounts.validation import check_password, clean_email, clean_username
from parley.settings import Settings


@pytest.fixture
def passwords() -> Passwords:
    return Passwords(Settings(_env_file=None))  # type: ignore[call-arg]


async def test_hash_is_argon2id_at_owasp_parameters(passwords: Passwords) -> None:
    stored = await passwords.hash("s3cret-pass")
    assert stored.startswith("$argon2id$")
    assert "m=19456,t=2,p=1" in stored
    assert await passwords.verify(stored, "s3cret-pass")
    assert not await passwords.verify(stored, "wrong-pass")


async def test_missing_hash_never_verifies(passwords: Passwords) -> None:
    assert not await passwords.verify(None, "anything")


async def test_weaker_parameters_need_rehash(passwords: Passwords) -> None:
    weak = Passwords(Settings(_env_file=None, argon2_memory_kib=8192, argon2_time_cost=1))  # type: ignore[call-arg]
    stored = await weak.hash("s3cret-pass")
    assert passwords.needs_rehash(stored)
    assert not passwords.needs_rehash(await passwords.hash("s3cret-pass"))


@pytest.mark.parametrize("name", ["ab", "x" * 33, "has space", "semi;colon", ""])
def test_bad_usernames(name: str) -> None:
    with pytest.raises(Invalid):
        clean_username(name)


@pytest.mark.parametrize("name", ["abc", "Alice_B", "dot.ted", "дмитрий", "x" * 32])
def test_good_usernames(name: str) -> None:
    assert clean_username(name) == name


def test_email_is_normalized_to_lower_case() -> None:
    assert clean_email(" Alice@Example.COM ") == "alice@example.com"


@pytest.mark.parametrize("email", ["nope", "a@", "@b.c", "a b@c.d"])
def test_bad_emails(email: str) -> None:
    with pytest.raises(Invalid):
        clean_email(email)


def test_password_length_bounds() -> None:
    with pytest.raises(Invalid):
        check_password("short")
    with pytest.raises(Invalid):
        check_password("x" * 257)
    assert check_password("longenough")
