"""Consent: remembered per user and client, for the scopes allowed so far."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from parley.models import OidcConsent
from parley.oidc import repository as repo
from parley.oidc.adapters import Client, EndUser
from parley.oidc.store import Store


async def needed(
    store: Store, end_user: EndUser, client: Client, scopes: list[str], prompt: str | None
) -> bool:
    """First-party apps never ask; others ask for scopes not allowed before, or whenever
    the client sends `prompt=consent`."""
    if client.row.first_party:
        return False
    if prompt == "consent":
        return True
    row = await repo.get_consent(store.session, end_user.user.id, client.row.id)
    return row is None or not set(scopes) <= set(row.scope.split())


async def remember(store: Store, end_user: EndUser, client: Client, scopes: list[str]) -> None:
    await store.audit("oidc.consent_granted", end_user, client, scopes=scopes)
    session = store.session
    row = await repo.get_consent(session, end_user.user.id, client.row.id)
    if row is not None:
        row.scope = " ".join(sorted(set(row.scope.split()) | set(scopes)))
        return
    try:
        async with session.begin_nested():
            await repo.add(
                session,
                OidcConsent(
                    user_id=end_user.user.id,
                    client_pk=client.row.id,
                    scope=" ".join(sorted(scopes)),
                ),
            )
    except IntegrityError:  # the same person allowed it twice at once: one row is enough
        return
