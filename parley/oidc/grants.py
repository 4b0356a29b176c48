"""Authlib's grants and extensions, wired to the store: authorization code (with PKCE and
OpenID Connect's id_token) and refresh token."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from authlib.oauth2.rfc6749 import InvalidRequestError, OAuth2Request, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9207 import IssuerParameter
from authlib.oidc.core import OpenIDCode
from joserfc.jwk import OKPKey

from parley.kit.time import clock
from parley.oidc.adapters import SECRET_METHODS, AuthorizationCode, Client, EndUser, Token

if TYPE_CHECKING:
    from parley.oidc.server import AuthorizationServer

TOKEN_AUTH_METHODS = [*SECRET_METHODS, "none"]
MAX_NONCE = 255


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS
    server: AuthorizationServer

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        store = self.server.store
        store.run(store.save_code, code, request)

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        store = self.server.store
        return store.run(store.take_code, code, client)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        """Nothing left to do: `query_authorization_code` already spent it."""

    def authenticate_user(self, authorization_code: AuthorizationCode) -> EndUser | None:
        store = self.server.store
        return store.run(store.end_user_of_code, authorization_code)


class RefreshTokenGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True
    server: AuthorizationServer

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        store = self.server.store
        return store.run(store.take_refresh, refresh_token, self.request.client)

    def authenticate_user(self, refresh_token: Token) -> EndUser | None:
        store = self.server.store
        return store.run(store.end_user_of_token, refresh_token)

    def revoke_old_credential(self, refresh_token: Token) -> None:
        """Nothing left to do: `authenticate_refresh_token` already spent it."""


class Pkce(CodeChallenge):  # type: ignore[misc]
    """RFC 7636 with S256 only; public clients must use it."""

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        super().validate_code_challenge(grant, redirect_uri)
        data = grant.request.payload.data
        if data.get("code_challenge"):
            if data.get("code_challenge_method") != "S256":
                raise InvalidRequestError("'code_challenge_method' must be 'S256'")
        elif grant.request.client.row.is_public:
            raise InvalidRequestError("Public clients must send a PKCE 'code_challenge' (S256)")


class OpenIDConnect(OpenIDCode):  # type: ignore[misc]
    """The id_token: EdDSA with Parley's current signing key, issued by PARLEY_PUBLIC_URL."""

    def __init__(self, server: AuthorizationServer) -> None:
        super().__init__(require_nonce=False)
        self.server = server

    def resolve_client_private_key(self, client: Client) -> OKPKey:  # noqa: ARG002
        return self.server.signing_jwk()

    def get_client_algorithm(self, client: Client) -> str:  # noqa: ARG002
        return "EdDSA"

    def get_encode_header(self, client: Client) -> dict[str, str]:  # noqa: ARG002
        return {"alg": "EdDSA", "typ": "JWT", "kid": self.server.keyring.current().kid}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        now = int(clock.timestamp())
        return {
            "iss": self.server.issuer,
            "aud": client.get_client_id(),
            "iat": now,
            "exp": now + self.server.settings.oidc_id_token_ttl_seconds,
        }

    def get_authorization_code_claims(
        self, authorization_code: AuthorizationCode
    ) -> dict[str, Any]:
        claims: dict[str, Any] = super().get_authorization_code_claims(authorization_code)
        claims["sid"] = str(authorization_code.row.session_id)
        return claims

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        if len(nonce) > MAX_NONCE:
            raise InvalidRequestError(f"'nonce' is longer than {MAX_NONCE} characters")
        store = self.server.store
        return store.run(store.nonce_used, request.client, nonce)

    def generate_user_info(self, user: EndUser, scope: str) -> dict[str, Any]:
        store = self.server.store
        client: Client = self.server.current_client()
        return store.run(store.claims, user, client, scope)


class Issuer(IssuerParameter):  # type: ignore[misc]
    """RFC 9207: `iss` in every authorization response."""

    def __init__(self, issuer: str) -> None:
        self.issuer = issuer

    def get_issuer(self) -> str:
        return self.issuer
