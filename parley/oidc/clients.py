"""Apps as OpenID Connect clients: registration, with the client secret shown once."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley.access import service as access
from parley.kit.secrets import new_token, token_hash
from parley.models import App, OidcClient
from parley.oidc import repository as repo
from parley.oidc.errors import ClientExists, ClientNotFound, InvalidRedirectUri, PublicClient


@dataclass(frozen=True)
class RegisteredClient:
    client: OidcClient
    secret: str | None
    """The plain client secret of a confidential client: shown once, stored hashed."""


def clean_redirect_uri(uri: str) -> str:
    """An absolute URI without a fragment: https, http on loopback only, or a private-use
    scheme (`com.example.app:/callback`, RFC 8252)."""
    uri = uri.strip()
    if not 1 <= len(uri) <= 2000 or any(ch.isspace() or not ch.isprintable() for ch in uri):
        raise InvalidRedirectUri()
    try:
        parts = urlsplit(uri)
    except ValueError as exc:
        raise InvalidRedirectUri() from exc
    if parts.fragment or not parts.scheme:
        raise InvalidRedirectUri()
    if parts.scheme == "https":
        if not parts.hostname:
            raise InvalidRedirectUri()
    elif parts.scheme == "http":
        if not _is_loopback(parts.hostname):
            raise InvalidRedirectUri()
    elif "." not in parts.scheme or parts.scheme in ("javascript", "data", "file"):
        raise InvalidRedirectUri()
    return uri


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


async def register_client(
    session: AsyncSession,
    app: App,
    *,
    redirect_uris: Iterable[str],
    post_logout_redirect_uris: Iterable[str] = (),
    public: bool = False,
    first_party: bool = False,
) -> RegisteredClient:
    """Make an app an OpenID Connect client (one per app)."""
    uris = list(dict.fromkeys(clean_redirect_uri(uri) for uri in redirect_uris))
    if not uris:
        raise InvalidRedirectUri("An OpenID Connect client needs at least one redirect URI")
    logout_uris = list(dict.fromkeys(clean_redirect_uri(u) for u in post_logout_redirect_uris))
    if await repo.get_client_of_app(session, app.id) is not None:
        raise ClientExists()
    secret = None if public else new_token(32)
    client = OidcClient(
        app_id=app.id,
        client_id=new_token(16),
        secret_hash=token_hash(secret) if secret else None,
        is_public=public,
        first_party=first_party,
        redirect_uris=uris,
        post_logout_redirect_uris=logout_uris,
    )
    try:
        async with session.begin_nested():
            await repo.add(session, client)
    except IntegrityError as exc:
        raise ClientExists() from exc
    return RegisteredClient(client, secret)


async def create_app(
    session: AsyncSession,
    *,
    url: str,
    name: str,
    is_super: bool = False,
    roles: Iterable[str] = (),
    redirect_uris: Sequence[str] = (),
    post_logout_redirect_uris: Sequence[str] = (),
    public: bool = False,
    first_party: bool = False,
) -> tuple[access.CreatedApp, RegisteredClient | None]:
    """An app, and (given redirect URIs or client flags) its OpenID Connect client."""
    created = await access.create_app(session, url=url, name=name, is_super=is_super, roles=roles)
    if not (redirect_uris or post_logout_redirect_uris or public or first_party):
        return created, None
    registered = await register_client(
        session,
        created.app,
        redirect_uris=redirect_uris,
        post_logout_redirect_uris=post_logout_redirect_uris,
        public=public,
        first_party=first_party,
    )
    return created, registered


async def client_of_app(session: AsyncSession, app: App) -> OidcClient:
    client = await repo.get_client_of_app(session, app.id)
    if client is None:
        raise ClientNotFound()
    return client


async def rotate_secret(session: AsyncSession, app: App) -> str:
    """A new secret for a confidential client; the old one stops working at once."""
    client = await client_of_app(session, app)
    if client.is_public:
        raise PublicClient()
    secret = new_token(32)
    client.secret_hash = token_hash(secret)
    return secret
