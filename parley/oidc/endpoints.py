"""Authlib's revocation (RFC 7009), introspection (RFC 7662), userinfo and RP-initiated
logout endpoints, wired to the store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from authlib.oauth2.rfc6749 import InvalidRequestError, OAuth2Request, ResourceProtector
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oidc.core import UserInfoEndpoint
from authlib.oidc.rpinitiated import EndSessionEndpoint, EndSessionRequest
from joserfc.jwk import KeySet

from parley.oidc.adapters import SECRET_METHODS, Client, EndUser, Token
from parley.oidc.grants import TOKEN_AUTH_METHODS

if TYPE_CHECKING:
    from parley.oidc.server import AuthorizationServer


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    """Public clients revoke their own tokens too; revoking either half ends both."""

    CLIENT_AUTH_METHODS = TOKEN_AUTH_METHODS
    server: AuthorizationServer

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        store = self.server.store
        return store.run(store.find_token, token_string, token_type_hint)

    def revoke_token(self, token: Token, request: OAuth2Request) -> None:  # noqa: ARG002
        store = self.server.store
        store.run(store.revoke, token)


class Introspection(IntrospectionEndpoint):  # type: ignore[misc]
    """Confidential clients introspect the tokens issued to them."""

    CLIENT_AUTH_METHODS: ClassVar[list[str]] = list(SECRET_METHODS)
    server: AuthorizationServer

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        store = self.server.store
        return store.run(store.find_token, token_string, token_type_hint)

    def check_permission(self, token: Token, client: Client, request: OAuth2Request) -> bool:  # noqa: ARG002
        return token.check_client(client)

    def introspect_token(self, token: Token) -> dict[str, Any]:
        row = token.row
        return {
            "active": True,
            "client_id": token.client.get_client_id(),
            "token_type": "Bearer" if token.kind == "access_token" else "refresh_token",
            "scope": row.scope,
            "sub": str(row.user_id),
            "sid": str(row.session_id),
            "aud": token.client.get_client_id(),
            "iss": self.server.issuer,
            "exp": int(token.expires_at()),
            "iat": int(row.issued_at.timestamp()),
        }


class AccessTokens(BearerTokenValidator):  # type: ignore[misc]
    def __init__(self, server: AuthorizationServer) -> None:
        super().__init__()
        self.server = server

    def authenticate_token(self, token_string: str) -> Token | None:
        store = self.server.store
        token = store.run(store.find_token, token_string, "access_token")
        return token if token is not None and token.kind == "access_token" else None


class Protector(ResourceProtector):  # type: ignore[misc]
    """Checks the bearer of the server's current request (Authlib's userinfo endpoint asks
    its protector for the token without passing the request)."""

    def __init__(self, server: AuthorizationServer) -> None:
        super().__init__()
        self.server = server
        self.register_token_validator(AccessTokens(server))

    def acquire_token(self, scopes: str) -> Token:
        token: Token = self.validate_request([scopes], self.server.request)
        self.server.request_token = token
        return token


class UserInfo(UserInfoEndpoint):  # type: ignore[misc]
    server: AuthorizationServer

    def generate_user_info(self, user: EndUser, scope: str) -> dict[str, Any]:
        store = self.server.store
        token = self.server.request_token
        return store.run(store.claims, user, token.client, scope)

    def get_issuer(self) -> str:
        return self.server.issuer


class EndSession(EndSessionEndpoint):  # type: ignore[misc]
    """Logout needs the id_token: it names the Parley session to end (`sid`)."""

    server: AuthorizationServer

    def validate_request(self, request: OAuth2Request) -> EndSessionRequest:
        validated: EndSessionRequest = super().validate_request(request)
        if validated.id_token_claims is None:
            raise InvalidRequestError("'id_token_hint' is required")
        return validated

    def get_server_jwks(self) -> KeySet:
        return KeySet.import_key_set(self.server.keyring.jwks())  # type: ignore[arg-type]

    def get_algorithms(self) -> list[str]:
        return ["EdDSA"]

    def end_session(self, end_session_request: EndSessionRequest) -> None:
        claims = end_session_request.id_token_claims or {}
        sub, sid = claims.get("sub"), claims.get("sid")
        if not (isinstance(sub, str) and sub.isdigit() and isinstance(sid, str) and sid.isdigit()):
            return
        store = self.server.store
        store.run(store.end_session, int(sub), int(sid))
