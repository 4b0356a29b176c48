"""Parley's rows seen through Authlib's model interfaces (client, code, token)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, scope_to_list
from authlib.oidc.core import AuthorizationCodeMixin

from parley.kit.secrets import same, token_hash
from parley.kit.time import clock
from parley.models import App, OidcAuthorizationCode, OidcClient, OidcToken, User

SCOPES = ("openid", "profile", "email", "roles", "payload")
SECRET_METHODS = ("client_secret_basic", "client_secret_post")
GRANT_TYPES = ("authorization_code", "refresh_token")
ACR_PASSWORD = "urn:parley:acr:1"  # noqa: S105 - an acr value
ACR_TWO_FACTOR = "urn:parley:acr:2"


@dataclass(frozen=True)
class EndUser:
    """The person an authorization is for, and the Parley session they signed in with."""

    user: User
    session_id: int
    auth_time: int
    amr: list[str] = field(default_factory=list)


class Client(ClientMixin):  # type: ignore[misc]
    def __init__(self, row: OidcClient, app: App) -> None:
        self.row = row
        self.app = app
        self.client_id = row.client_id

    @property
    def client_metadata(self) -> dict[str, Any]:
        return {"post_logout_redirect_uris": list(self.row.post_logout_redirect_uris)}

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> None:
        """None: every authorization request must name its redirect URI."""
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        return " ".join(s for s in scope_to_list(scope or "") or [] if s in SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.row.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        stored = self.row.secret_hash
        return stored is not None and same(stored, token_hash(client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:  # noqa: ARG002
        if self.row.is_public:
            return method == "none"
        return method in SECRET_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in GRANT_TYPES


class AuthorizationCode(AuthorizationCodeMixin):  # type: ignore[misc]
    def __init__(self, row: OidcAuthorizationCode) -> None:
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope

    def get_nonce(self) -> str | None:
        return self.row.nonce

    def get_auth_time(self) -> int:
        return int(self.row.auth_time.timestamp())

    def get_amr(self) -> list[str]:
        return self.row.amr.split()

    def get_acr(self) -> str:
        return ACR_TWO_FACTOR if "mfa" in self.get_amr() else ACR_PASSWORD


class Token(TokenMixin):  # type: ignore[misc]
    """One token row. `kind` is the half that was presented (access or refresh); `live`
    says whether its Parley session still stands."""

    def __init__(
        self,
        row: OidcToken,
        client: Client,
        *,
        kind: str = "access_token",
        live: bool = True,
        end_user: EndUser | None = None,
    ) -> None:
        self.row = row
        self.client = client
        self.kind = kind
        self.live = live
        self.end_user = end_user
        self.scope = row.scope

    def check_client(self, client: Client) -> bool:
        return bool(self.row.client_pk == client.row.id)

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        return max(0, int(self.row.access_expires_at.timestamp() - clock.timestamp()))

    def expires_at(self) -> float:
        if self.kind == "refresh_token" and self.row.refresh_expires_at is not None:
            return self.row.refresh_expires_at.timestamp()
        return self.row.access_expires_at.timestamp()

    def is_expired(self) -> bool:
        return not self.expires_at() > clock.timestamp()

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None or not self.live

    def get_client(self) -> Client:
        return self.client

    def get_user(self) -> EndUser | None:
        return self.end_user
