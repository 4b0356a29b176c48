"""Usernames for accounts created by a provider sign-in."""

from __future__ import annotations

import re
import secrets

from parley.identity.accounts.validation import single_script
from parley.providers.base import ProviderProfile

_NOT_ALLOWED = re.compile(r"[^\w.\-]+")
_BASE_MAX = 24


def username_base(profile: ProviderProfile) -> str:
    """The provider's handle, else the email's local part, else the name, else provider_id."""
    email_local = profile.email.partition("@")[0] if profile.email else None
    for candidate in (profile.username, email_local, profile.name):
        if not candidate:
            continue
        cleaned = _NOT_ALLOWED.sub("_", candidate.strip()).strip("._-")[:_BASE_MAX].strip("._-")
        if len(cleaned) >= 3 and single_script(cleaned):
            return cleaned
    return f"{profile.provider}_{profile.external_id}"[:_BASE_MAX]


def username_candidates(base: str, tries: int = 8) -> list[str]:
    """`base`, `base_2` ... then a random number suffix that is practically always free
    (digits, so a Cyrillic base stays in one script)."""
    names = [base] + [f"{base}_{n}" for n in range(2, tries + 1)]
    names.append(f"{base}_{secrets.randbelow(900_000) + 100_000}")
    return names
