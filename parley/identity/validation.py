"""Rules for usernames, emails and passwords shared by every surface."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from parley.identity.errors import InvalidEmail, InvalidUsername, WeakPassword

_USERNAME = re.compile(r"^[\w.\-]{3,32}$")


def clean_username(value: str) -> str:
    value = value.strip()
    if not _USERNAME.fullmatch(value):
        raise InvalidUsername()
    return value


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
