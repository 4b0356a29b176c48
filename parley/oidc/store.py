"""What Authlib's grants and endpoints read and write, as async calls on the request's
unit of work. Authlib runs in a worker thread and reaches these through `Bridge.run`."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import anyio.from_thread
from authlib.oauth2.rfc6749 import OAuth2Request
from sqlalchemy.ext.asyncio import AsyncSession

from parley.identity.accounts import audit
from parley.identity.sessions import service as session_service
from parley.identity.sessions.tokens import Principal
from parley.infra.storage import Storage
from parley.kit.secrets import token_hash
from parley.kit.time import utc_now
from parley.models import OidcAuthorizationCode, OidcToken
from parley.oidc import repository as repo
from parley.oidc.adapters import AuthorizationCode, Client, EndUser, Token
from parley.oidc.claims import user_claims
from parley.settings import Settings

T = TypeVar("T")


class Store:
    def __init__(self, session: AsyncSession, *, settings: Settings, storage: Storage) -> None:
        self.session = session
        self.settings = settings
        self.storage = storage
        self._clients: dict[str, Client | None] = {}

    @staticmethod
    def run(fn: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
        """Call an async method of this store from Authlib's (worker-thread) code."""
        return anyio.from_thread.run(fn, *args)

    # --- clients -------------------------------------------------------------------------

    async def client(self, client_id: str | None) -> Client | None:
        if not client_id or len(client_id) > 64:
            return None
        if client_id not in self._clients:
            found = await repo.get_client(self.session, client_id)
            self._clients[client_id] = Client(*found) if found else None
        return self._clients[client_id]

    # --- authorization codes -------------------------------------------------------------

    async def nonce_used(self, client: Client, nonce: str) -> bool:
        return await repo.nonce_used(self.session, client.row.id, nonce)

    async def save_code(self, code: str, request: OAuth2Request) -> None:
        end_user: EndUser = request.user
        client: Client = request.client
        data = request.payload.data
        now = utc_now()
        await repo.add(
            self.session,
            OidcAuthorizationCode(
                code_hash=token_hash(code),
                client_pk=client.row.id,
                user_id=end_user.user.id,
                session_id=end_user.session_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope or "",
                nonce=data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                auth_time=_at(end_user.auth_time),
                amr=" ".join(end_user.amr),
                created_at=now,
                expires_at=now + timedelta(seconds=self.settings.oidc_code_ttl_seconds),
            ),
        )
        await self.audit("oidc.authorized", end_user, client, scope=request.scope or "")

    async def take_code(self, code: str, client: Client) -> AuthorizationCode | None:
        """Spend a code of this client. A code presented again revokes every token issued
        from it (RFC 6749 §4.1.2); an expired one is simply refused."""
        row = await repo.get_code(self.session, token_hash(code))
        now = utc_now()
        if row is None or row.client_pk != client.row.id:
            return None
        if row.used_at is not None or not await repo.spend_code(self.session, row.id, now):
            await repo.revoke_family(self.session, row.id, now)
            return None
        if row.expires_at <= now:
            return None
        return AuthorizationCode(row)

    async def end_user_of_code(self, code: AuthorizationCode) -> EndUser | None:
        found = await repo.get_live_session(
            self.session, code.row.session_id, code.row.user_id, utc_now()
        )
        if found is None:
            return None
        return EndUser(found[1], code.row.session_id, code.get_auth_time(), code.get_amr())

    async def end_user_of_token(self, token: Token) -> EndUser | None:
        return await self.end_user_of_session(Principal(token.row.user_id, token.row.session_id, 0))

    async def end_user_of_session(self, principal: Principal) -> EndUser | None:
        """The person behind a Parley session that still stands (None: revoked, expired, or
        the account is disabled)."""
        found = await repo.get_live_session(
            self.session, principal.session_id, principal.user_id, utc_now()
        )
        if found is None:
            return None
        row, user = found
        return EndUser(user, row.id, int(row.created_at.timestamp()), (row.amr or "").split())

    # --- tokens --------------------------------------------------------------------------

    async def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        end_user: EndUser = request.user
        client: Client = request.client
        if request.authorization_code is not None:
            code_id: int | None = request.authorization_code.row.id
        else:
            code_id = request.refresh_token.row.code_id
        now = utc_now()
        refresh = token.get("refresh_token")
        settings = self.settings
        await repo.add(
            self.session,
            OidcToken(
                client_pk=client.row.id,
                user_id=end_user.user.id,
                session_id=end_user.session_id,
                code_id=code_id,
                access_hash=token_hash(token["access_token"]),
                refresh_hash=token_hash(refresh) if refresh else None,
                scope=token.get("scope", ""),
                issued_at=now,
                access_expires_at=now + timedelta(seconds=int(token["expires_in"])),
                refresh_expires_at=(
                    now + timedelta(seconds=settings.refresh_ttl_seconds) if refresh else None
                ),
            ),
        )

    async def take_refresh(self, refresh_token: str, client: Client) -> Token | None:
        """Spend a refresh token of this client (rotation). A spent one presented again
        revokes its whole family; one whose Parley session ended is refused."""
        found = await repo.get_token_with_client(
            self.session, token_hash(refresh_token), refresh=True
        )
        now = utc_now()
        if found is None or found[0].client_pk != client.row.id:
            return None
        row = found[0]
        if row.revoked_at is not None or not await repo.spend_token(self.session, row.id, now):
            if row.code_id is not None:
                await repo.revoke_family(self.session, row.code_id, now)
            return None
        token = Token(row, client, kind="refresh_token")
        if token.is_expired() or not await repo.session_is_live(self.session, row.session_id, now):
            return None
        return token

    async def find_token(self, token_string: str, hint: str | None) -> Token | None:
        """A token by its access or refresh value (the hint decides which is tried first)."""
        digest = token_hash(token_string)
        kinds = ["refresh_token", "access_token"]
        if hint != "refresh_token":
            kinds.reverse()
        for kind in kinds:
            found = await repo.get_token_with_client(
                self.session, digest, refresh=kind == "refresh_token"
            )
            if found is None:
                continue
            row, client_row, app = found
            token = Token(row, Client(client_row, app), kind=kind)
            token.end_user = await self.end_user_of_token(token)
            token.live = token.end_user is not None
            return token
        return None

    async def revoke(self, token: Token) -> None:
        await repo.spend_token(self.session, token.row.id, utc_now())

    # --- claims, sessions, audit -----------------------------------------------------------

    async def audit(self, kind: str, end_user: EndUser, client: Client, **detail: Any) -> None:
        await audit.record(
            self.session,
            kind,
            user_id=end_user.user.id,
            session_id=end_user.session_id,
            client_id=client.get_client_id(),
            **detail,
        )

    async def claims(self, end_user: EndUser, client: Client, scope: str) -> dict[str, Any]:
        return await user_claims(
            self.session, end_user.user, client.app, scope, storage=self.storage
        )

    async def end_session(self, user_id: int, session_id: int) -> None:
        """RP-initiated logout: end the Parley session the id_token names (and with it
        every refresh token bound to it)."""
        await session_service.logout(self.session, Principal(user_id, session_id, 0.0))


def _at(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)
