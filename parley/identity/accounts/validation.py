"""Rules for usernames, emails and passwords shared by every surface."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from confusable_homoglyphs import confusables
from email_validator import EmailNotValidError, validate_email

from parley.identity.accounts.errors import InvalidEmail, InvalidUsername, WeakPassword

_USERNAME = re.compile(r"^[\w.\-]{3,32}$")
USERNAME_KEY_MAX = 128


def clean_username(value: str) -> str:
    """A valid username in NFKC form (as Django normalizes them), or InvalidUsername.
    Letters of one script only (digits and `_ . -` go with any): "alice" spelled with a
    Cyrillic "a" is refused, a name all in Cyrillic is fine."""
    value = unicodedata.normalize("NFKC", value.strip())
    if not _USERNAME.fullmatch(value) or not single_script(value):
        raise InvalidUsername()
    if len(username_key(value)) > USERNAME_KEY_MAX:
        raise InvalidUsername()
    return value


def single_script(value: str) -> bool:
    return not confusables.is_mixed_script(value)


def username_key(value: str) -> str:
    """What makes two usernames the same account name: NFKC, case folding, then every
    character replaced by one representative of its Unicode confusables class (the idea of
    Unicode TR39's skeleton), so fullwidth "alice", "ALICE", "alice" with a dotless i, and
    "ace" written in Cyrillic letters give the key of their plain Latin spelling."""
    folded = unicodedata.normalize("NFKC", value).casefold()
    return "".join(_prototype(char) for char in folded)


@cache
def _prototype(char: str) -> str:
    homoglyphs = confusables.confusables_data.get(char) or ()
    candidates = [char, *(h["c"] for h in homoglyphs if len(h["c"]) == 1)]
    # Prefer an ASCII letter or digit, then the lowest code point: the same pick for every
    # member of a class, so look-alikes share a key.
    return str(min(candidates, key=lambda c: (not (c.isascii() and c.isalnum()), ord(c))))


def clean_email(value: str) -> str:
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmail(str(exc)) from exc
    return result.normalized.lower()


def check_password(value: str) -> str:
    if not 8 <= len(value) <= 256:
        raise WeakPassword()
    return value
