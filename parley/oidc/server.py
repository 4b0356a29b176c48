"""A Starlette-free integration of Authlib's `AuthorizationServer`, one per request.

The service hands it plain request data (method, URL, headers, form or query fields) and
runs it in a worker thread, because Authlib is synchronous; its database work comes back to
the event loop through the `Store`. Responses are plain (status, body, headers)."""

from __future__ import annotations

import logging
import warnings
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from authlib.oauth2 import AuthorizationServer as BaseAuthorizationServer
from authlib.oauth2.rfc6749 import OAuth2Payload, OAuth2Request
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from joserfc.errors import SecurityWarning
from joserfc.jwk import OKPKey

from parley.identity.sessions.keys import KeyRing
from parley.kit.secrets import new_token
from parley.oidc.adapters import SCOPES, Client
from parley.oidc.endpoints import EndSession, Introspection, Protector, Revocation, UserInfo
from parley.oidc.grants import (
    AuthorizationCodeGrant,
    Issuer,
    OpenIDConnect,
    Pkce,
    RefreshTokenGrant,
)
from parley.oidc.store import Store
from parley.settings import Settings

# Authlib logs issued tokens at DEBUG; no secret reaches a log at any level.
logging.getLogger("authlib").setLevel(logging.INFO)
# RFC 9864 prefers "Ed25519", but "EdDSA" is what relying parties implement (and what the
# JWKS has always announced): sign and verify with it on purpose.
warnings.filterwarnings("ignore", "EdDSA is deprecated", SecurityWarning)


@dataclass
class HttpRequest:
    method: str
    url: str
    headers: Mapping[str, str]
    fields: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class HttpResponse:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")

    @location.setter
    def location(self, value: str) -> None:
        self.headers["Location"] = value


class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, fields: dict[str, list[str]]) -> None:
        self._fields = fields

    @cached_property
    def data(self) -> dict[str, str]:
        return {key: values[0] for key, values in self._fields.items() if values}

    @cached_property
    def datalist(self) -> defaultdict[str, list[str]]:
        return defaultdict(list, self._fields)


class _Request(OAuth2Request):  # type: ignore[misc]
    def __init__(self, request: HttpRequest) -> None:
        super().__init__(method=request.method, uri=request.url, headers=request.headers)
        self.payload = _Payload(request.fields)

    @property
    def args(self) -> dict[str, str]:
        data: dict[str, str] = self.payload.data
        return data

    @property
    def form(self) -> dict[str, str]:
        data: dict[str, str] = self.payload.data
        return data


class AuthorizationServer(BaseAuthorizationServer):  # type: ignore[misc]
    def __init__(
        self, store: Store, request: HttpRequest, *, settings: Settings, keyring: KeyRing
    ) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.store = store
        self.settings = settings
        self.keyring = keyring
        self.issuer = settings.public_url.rstrip("/")
        self.request = _Request(request)
        self.request_token: Any = None
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=lambda **_: new_token(),
                refresh_token_generator=lambda **_: new_token(),
                expires_generator=lambda *_: settings.oidc_access_ttl_seconds,
            ),
        )
        self.register_grant(AuthorizationCodeGrant, [Pkce(required=True), OpenIDConnect(self)])
        self.register_grant(RefreshTokenGrant)
        self.register_extension(Issuer(self.issuer))
        for endpoint in (Revocation, Introspection, EndSession):
            self.register_endpoint(endpoint)
        self.register_endpoint(UserInfo(resource_protector=Protector(self)))

    def query_client(self, client_id: str | None) -> Client | None:
        return self.store.run(self.store.client, client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        self.store.run(self.store.save_token, token, request)

    def current_client(self) -> Client:
        client: Client = self.request.client
        return client

    def signing_jwk(self) -> OKPKey:
        key = self.keyring.current()
        return OKPKey.import_key(key.private, {"kid": key.kid})

    def create_oauth2_request(self, request: Any) -> OAuth2Request:  # noqa: ARG002
        return self.request

    def create_json_request(self, request: Any) -> OAuth2Request:  # noqa: ARG002
        return self.request

    def handle_response(
        self, status: int, body: Any, headers: list[tuple[str, str]]
    ) -> HttpResponse:
        merged = dict(headers)
        if status in (200, 400, 401) and "Cache-Control" not in merged:
            merged["Cache-Control"] = "no-store"
        return HttpResponse(status, body, merged)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """Authlib's hook for framework signals: Parley audits in its services instead."""
