"""Accounts, sign-in, sessions and tokens."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley import events
from parley.db import emit
from parley.errors import NotFound, Unauthorized
from parley.identity import audit, repository
from parley.identity.errors import (
    AccountDisabled,
    EmailTaken,
    InvalidCredentials,
    RefreshRaced,
    RefreshReused,
    UsernameTaken,
)
from parley.identity.lookup import get_live_user
from parley.identity.tokens import Principal
from parley.identity.validation import (
    check_password,
    clean_email,
    clean_username,
    username_key,
)
from parley.kit.client import ClientInfo
from parley.kit.secrets import new_token, token_hash
from parley.kit.time import utc_now
from parley.models import User, UserSession
from parley.runtime import Runtime


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    expires_at: float
    refresh_token: str | None
    session: UserSession
    user: User


async def get_signed_in_user(session: AsyncSession, principal: Principal) -> User:
    """The token's account; Unauthorized once it is gone or disabled (an outage of the
    database is not the client's fault: it stays a 503)."""
    try:
        return await get_live_user(session, principal.user_id)
    except NotFound as exc:
        raise Unauthorized("Account no longer exists") from exc


async def create_account(
    session: AsyncSession,
    rt: Runtime,
    *,
    username: str,
    password: str | None,
    email: str | None = None,
    client: ClientInfo | None = None,
    **profile: object,
) -> User:
    """The user row with its checks (names, password strength, rate limit, uniqueness);
    `accounts.sign_up` is what surfaces call. `profile` holds optional User columns."""
    username = clean_username(username)
    email = clean_email(email) if email else None
    if password is not None:
        check_password(password)
    if client and client.ip:
        await rt.limiter.hit(rt.settings.rate_register_ip, "register-ip", client.ip)
    if await repository.username_taken(session, username):
        raise UsernameTaken()
    if email and await repository.email_taken(session, email):
        raise EmailTaken()
    user = User(
        username=username,
        username_lower=username.lower(),
        username_key=username_key(username),
        email=email,
        password_hash=await rt.passwords.hash(password) if password is not None else None,
        contacts={},
        **profile,
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent registration won the race
        raise UsernameTaken() from exc
    await audit.record(session, "user.registered", user_id=user.id, client=client)
    emit(session, events.UserCreated(user_id=user.id))
    return user


async def authenticate_password(
    session: AsyncSession, rt: Runtime, *, login: str, password: str, client: ClientInfo
) -> User:
    """Check a login (username or email) and password, with rate limits and audit."""
    login_key = login.strip().lower()
    await rt.limiter.hit(rt.settings.rate_login, "login-account", login_key)
    if client.ip:
        await rt.limiter.hit(rt.settings.rate_login_ip, "login-ip", client.ip)
    # no username or email holds a NUL (and PostgreSQL refuses one in a text comparison)
    user = None if "\x00" in login_key else await repository.get_user_by_login(session, login_key)
    ok = await rt.passwords.verify(user.password_hash if user else None, password)
    if user is None or not ok:
        await audit.record(
            session, "login.failed", user_id=user.id if user else None, client=client
        )
        raise InvalidCredentials()
    if user.disabled_at is not None:  # told only to someone who knows the password
        await audit.record(session, "login.refused_disabled", user_id=user.id, client=client)
        raise AccountDisabled()
    if user.password_hash and rt.passwords.needs_rehash(user.password_hash):
        user.password_hash = await rt.passwords.hash(password)
    return user


async def start_session(
    session: AsyncSession,
    rt: Runtime,
    user: User,
    client: ClientInfo,
    *,
    surface: str = "native",
    with_refresh: bool = True,
    amr: str | None = None,
) -> IssuedTokens:
    """Open a session for a user who has proven who they are, and mint its tokens. Every
    sign-in of every contract comes here: a disabled account is refused (AccountDisabled).
    `amr` says how (RFC 8176 values, space-separated: "pwd", "pwd otp mfa"); OpenID
    Connect passes it on to apps."""
    if await repository.disabled_at_shared(session, user.id) is not None:
        await audit.record(session, "login.refused_disabled", user_id=user.id, client=client)
        raise AccountDisabled()
    now = utc_now()
    refresh = new_token() if with_refresh else None
    ttl = rt.settings.access_ttl_seconds if with_refresh else rt.settings.long_access_ttl_seconds
    lifetime = rt.settings.refresh_ttl_seconds if with_refresh else ttl
    record = UserSession(
        user_id=user.id,
        surface=surface,
        device_id=client.device_id,
        user_agent=client.user_agent,
        ip=client.ip,
        country=client.country,
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(seconds=lifetime),
        refresh_hash=token_hash(refresh) if refresh else None,
        amr=amr,
    )
    session.add(record)
    await session.flush()
    await audit.record(
        session,
        "login.succeeded",
        user_id=user.id,
        session_id=record.id,
        client=client,
        surface=surface,
    )
    access, expires_at = rt.signer.issue(user.id, record.id, ttl)
    return IssuedTokens(access, expires_at, refresh, record, user)


async def login(
    session: AsyncSession,
    rt: Runtime,
    *,
    login: str,
    password: str,
    client: ClientInfo,
    surface: str = "native",
    with_refresh: bool = True,
) -> IssuedTokens:
    user = await authenticate_password(session, rt, login=login, password=password, client=client)
    return await start_session(
        session, rt, user, client, surface=surface, with_refresh=with_refresh, amr="pwd"
    )


async def refresh(
    session: AsyncSession, rt: Runtime, *, refresh_token: str, client: ClientInfo
) -> IssuedTokens:
    """Rotate a refresh token. A spent token revokes its whole session (the family)."""
    presented = token_hash(refresh_token)
    record = await repository.get_session_by_refresh(session, presented)
    now = utc_now()
    if record is None or record.revoked_at is not None or record.expires_at <= now:
        raise Unauthorized("Invalid refresh token")
    if record.refresh_hash != presented:
        rotated = record.refresh_rotated_at
        grace = timedelta(seconds=rt.settings.refresh_grace_seconds)
        if rotated is not None and now - rotated <= grace:
            raise RefreshRaced()
        await _revoke(session, record.user_id, "refresh_reused", only_id=record.id, client=client)
        raise RefreshReused()
    new_refresh = new_token()
    expires = now + timedelta(seconds=rt.settings.refresh_ttl_seconds)
    if not await repository.rotate_refresh(
        session, record.id, presented, token_hash(new_refresh), now, expires
    ):
        raise RefreshRaced()
    user = await get_live_user(session, record.user_id)
    access, expires_at = rt.signer.issue(user.id, record.id, rt.settings.access_ttl_seconds)
    return IssuedTokens(access, expires_at, new_refresh, record, user)


async def logout(session: AsyncSession, principal: Principal) -> None:
    await _revoke(session, principal.user_id, "logout", only_id=principal.session_id)


async def list_sessions(session: AsyncSession, user_id: int) -> Sequence[UserSession]:
    return await repository.list_live_sessions(session, user_id, utc_now())


async def revoke_session(session: AsyncSession, principal: Principal, session_id: int) -> None:
    """Revoke one of the caller's own sessions; anyone else's is simply not found."""
    revoked = await _revoke(session, principal.user_id, "revoked", only_id=session_id)
    if not revoked:
        raise NotFound("No such session")


async def revoke_other_sessions(session: AsyncSession, principal: Principal) -> int:
    ids = await _revoke(session, principal.user_id, "revoked", except_id=principal.session_id)
    return len(ids)


async def revoke_all_sessions(session: AsyncSession, user_id: int, reason: str) -> int:
    return len(await _revoke(session, user_id, reason))


async def change_password(
    session: AsyncSession,
    rt: Runtime,
    principal: Principal,
    old_password: str,
    new_password: str,
    client: ClientInfo | None = None,
) -> None:
    """Check the old password, set the new one and revoke every other session."""
    user = await get_live_user(session, principal.user_id)
    await rt.limiter.hit(rt.settings.rate_login, "login-account", user.username_lower)
    if not await rt.passwords.verify(user.password_hash, old_password):
        await audit.record(session, "password.change_failed", user_id=user.id, client=client)
        raise InvalidCredentials("Wrong password")
    user.password_hash = await rt.passwords.hash(check_password(new_password))
    await audit.record(
        session,
        "password.changed",
        user_id=user.id,
        session_id=principal.session_id,
        client=client,
    )
    await _revoke(session, user.id, "password_changed", except_id=principal.session_id)


async def set_password(session: AsyncSession, rt: Runtime, user: User, password: str) -> None:
    """Administrative reset: sets the password and revokes every session."""
    user.password_hash = await rt.passwords.hash(check_password(password))
    await audit.record(session, "password.reset", user_id=user.id)
    await _revoke(session, user.id, "password_reset")


async def _revoke(
    session: AsyncSession,
    user_id: int,
    reason: str,
    *,
    only_id: int | None = None,
    except_id: int | None = None,
    client: ClientInfo | None = None,
) -> list[int]:
    ids = await repository.revoke_sessions(
        session, user_id, utc_now(), reason, only_id=only_id, except_id=except_id
    )
    if ids:
        await audit.record(
            session,
            "session.revoked",
            user_id=user_id,
            client=client,
            reason=reason,
            session_ids=ids,
        )
        emit(session, events.SessionRevoked(user_id=user_id, session_ids=tuple(ids), reason=reason))
    return ids
