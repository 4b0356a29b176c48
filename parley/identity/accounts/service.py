"""Accounts: creating one, password sign-in, password changes."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley import events
from parley.db import emit
from parley.errors import NotFound, Unauthorized
from parley.identity.accounts import audit
from parley.identity.accounts.errors import (
    AccountDisabled,
    EmailTaken,
    InvalidCredentials,
    UsernameTaken,
)
from parley.identity.accounts.lookup import get_live_user
from parley.identity.accounts.passwords import Passwords
from parley.identity.accounts.validation import (
    check_password,
    clean_email,
    clean_username,
    username_key,
)
from parley.identity.sessions import repository
from parley.identity.sessions import service as sessions
from parley.identity.sessions.tokens import Principal, TokenSigner
from parley.infra.ratelimit import RateLimiter
from parley.kit.client import ClientInfo
from parley.models import User
from parley.settings import Settings


async def get_signed_in_user(session: AsyncSession, principal: Principal) -> User:
    """The token's account; Unauthorized once it is gone or disabled (an outage of the
    database is not the client's fault: it stays a 503)."""
    try:
        return await get_live_user(session, principal.user_id)
    except NotFound as exc:
        raise Unauthorized("Account no longer exists") from exc


async def create_account(
    session: AsyncSession,
    *,
    settings: Settings,
    limiter: RateLimiter,
    passwords: Passwords,
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
        await limiter.hit(settings.rate_register_ip, "register-ip", client.ip)
    if await repository.username_taken(session, username):
        raise UsernameTaken()
    if email and await repository.email_taken(session, email):
        raise EmailTaken()
    user = User(
        username=username,
        username_lower=username.lower(),
        username_key=username_key(username),
        email=email,
        password_hash=await passwords.hash(password) if password is not None else None,
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
    session: AsyncSession,
    *,
    settings: Settings,
    limiter: RateLimiter,
    passwords: Passwords,
    login: str,
    password: str,
    client: ClientInfo,
) -> User:
    """Check a login (username or email) and password, with rate limits and audit."""
    login_key = login.strip().lower()
    if client.ip:
        await limiter.hit(settings.rate_login_ip, "login-ip", client.ip)
    # no username or email holds a NUL (and PostgreSQL refuses one in a text comparison)
    user = None if "\x00" in login_key else await repository.get_user_by_login(session, login_key)
    # one count per account, whichever login (username or email) names it
    await limiter.hit(settings.rate_login, *_login_key(user, login_key))
    ok = await passwords.verify(user.password_hash if user else None, password)
    if user is None or not ok:
        await audit.record(
            session, "login.failed", user_id=user.id if user else None, client=client
        )
        raise InvalidCredentials()
    if user.disabled_at is not None:  # told only to someone who knows the password
        await audit.record(session, "login.refused_disabled", user_id=user.id, client=client)
        raise AccountDisabled()
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = await passwords.hash(password)
    return user


def _login_key(user: User | None, login_key: str) -> tuple[str, str]:
    """The sign-in limit's key: the account when the login names one, else the login string
    (so unknown names and addresses are limited too)."""
    return ("login-user", str(user.id)) if user is not None else ("login-account", login_key)


async def login(
    session: AsyncSession,
    *,
    settings: Settings,
    limiter: RateLimiter,
    passwords: Passwords,
    signer: TokenSigner,
    login: str,
    password: str,
    client: ClientInfo,
    surface: str = "native",
    with_refresh: bool = True,
) -> sessions.IssuedTokens:
    user = await authenticate_password(
        session,
        login=login,
        password=password,
        client=client,
        settings=settings,
        limiter=limiter,
        passwords=passwords,
    )
    return await sessions.start_session(
        session,
        user,
        client,
        surface=surface,
        with_refresh=with_refresh,
        amr="pwd",
        settings=settings,
        signer=signer,
    )


async def change_password(
    session: AsyncSession,
    principal: Principal,
    old_password: str,
    new_password: str,
    client: ClientInfo | None = None,
    *,
    settings: Settings,
    limiter: RateLimiter,
    passwords: Passwords,
) -> None:
    """Check the old password, set the new one and revoke every other session."""
    user = await get_live_user(session, principal.user_id)
    await limiter.hit(settings.rate_login, *_login_key(user, user.username_lower))
    if not await passwords.verify(user.password_hash, old_password):
        await audit.record(session, "password.change_failed", user_id=user.id, client=client)
        raise InvalidCredentials("Wrong password")
    user.password_hash = await passwords.hash(check_password(new_password))
    await audit.record(
        session,
        "password.changed",
        user_id=user.id,
        session_id=principal.session_id,
        client=client,
    )
    await sessions.revoke_sessions(
        session, user.id, "password_changed", except_id=principal.session_id
    )


async def set_password(
    session: AsyncSession, user: User, password: str, *, passwords: Passwords
) -> None:
    """Administrative reset: sets the password and revokes every session."""
    user.password_hash = await passwords.hash(check_password(password))
    await audit.record(session, "password.reset", user_id=user.id)
    await sessions.revoke_sessions(session, user.id, "password_reset")
