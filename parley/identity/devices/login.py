"""Password sign-in with the enforced step-up for unknown devices.

A password sign-in from a device the user has not proven yet opens no session: a 6-digit
code goes to the account's email, bound to that device, and only `verify_login` (native) or
`confirm_device_and_login` (DiscordApi) with that code opens the session and remembers the
device. Every such new-device sign-in mails a notice with a single-use "this wasn't me" link.

Native requests without a device id: an account that has never proven a device signs in
as before; once it has one, a device-less sign-in is an unknown device (code every time).
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from parley.identity.accounts import lookup, service
from parley.identity.accounts.errors import InvalidCredentials, InvalidEmail
from parley.identity.accounts.passwords import Passwords
from parley.identity.accounts.validation import clean_email
from parley.identity.devices import approvals, codes
from parley.identity.devices import repository as repo
from parley.identity.devices.errors import (
    DeviceVerificationRequired,
    UnknownAccount,
    WrongDevice,
)
from parley.identity.devices.service import (
    DISCORDAPI,
    NATIVE,
    Surface,
    challenge_device,
    is_known,
    needs_challenge,
    notify_new_device,
    remember,
)
from parley.identity.sessions import repository
from parley.identity.sessions import service as session_service
from parley.identity.sessions.service import IssuedTokens
from parley.identity.sessions.tokens import TokenSigner
from parley.identity.twofactor.challenge import require_second_factor
from parley.identity.twofactor.totp import has_second_factor
from parley.infra.mailer import Mailer
from parley.infra.ratelimit import RateLimiter
from parley.kit import metrics
from parley.kit.client import ClientInfo
from parley.models import User
from parley.settings import Settings


async def sign_in(
    session: AsyncSession,
    login: str,
    password: str,
    client: ClientInfo,
    surface: Surface = NATIVE,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
    passwords: Passwords,
    signer: TokenSigner,
) -> IssuedTokens:
    """Password sign-in with the device check, for every surface. From a device the account
    has not proven: with a code step (native, DiscordApi) a code is mailed and
    DeviceVerificationRequired raised; surfaces without one (`approval`) get an approval
    link by mail and ApprovalRequired until the person approves that client."""
    with metrics.sign_in_attempt(surface.name):
        user = await service.authenticate_password(
            session,
            login=login,
            password=password,
            client=client,
            settings=settings,
            limiter=limiter,
            passwords=passwords,
        )
        return await _after_password(
            session,
            user,
            client,
            surface,
            settings=settings,
            limiter=limiter,
            mailer=mailer,
            signer=signer,
        )


async def login_by_email(
    session: AsyncSession,
    email: str,
    password: str,
    fingerprint: str,
    client: ClientInfo,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
    passwords: Passwords,
    signer: TokenSigner,
) -> IssuedTokens:
    """DiscordApi login: UnknownAccount for an unregistered email, InvalidCredentials for a
    wrong password, DeviceVerificationRequired for an unknown `fingerprint`, else long-lived
    tokens."""
    with metrics.sign_in_attempt(DISCORDAPI.name):
        user = await _user_by_email(session, email, settings=settings, limiter=limiter)
        await service.authenticate_password(
            session,
            login=user.email or email,
            password=password,
            client=client,
            settings=settings,
            limiter=limiter,
            passwords=passwords,
        )
        client = replace(client, device_id=fingerprint[:128] or None)
        return await _after_password(
            session,
            user,
            client,
            DISCORDAPI,
            settings=settings,
            limiter=limiter,
            mailer=mailer,
            signer=signer,
        )


async def confirm_device_and_login(
    session: AsyncSession,
    email: str,
    password: str,
    code: str,
    client: ClientInfo,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
    passwords: Passwords,
    signer: TokenSigner,
) -> IssuedTokens:
    """DiscordApi: the latest device code of this account, checked with the password."""
    with metrics.sign_in_attempt(DISCORDAPI.name):
        user = await _user_by_email(session, email, settings=settings, limiter=limiter)
        await service.authenticate_password(
            session,
            login=user.email or email,
            password=password,
            client=client,
            settings=settings,
            limiter=limiter,
            passwords=passwords,
        )
        record = await repo.latest_code(session, user.id, codes.LOGIN_DEVICE)
        record = await codes.check(session, record, code, settings=settings)
        return await _finish_device_login(
            session,
            user,
            replace(client, device_id=record.device_id),
            DISCORDAPI,
            settings=settings,
            limiter=limiter,
            mailer=mailer,
            signer=signer,
        )


async def verify_login(
    session: AsyncSession,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
    signer: TokenSigner,
    challenge: str,
    code: str,
    client: ClientInfo,
) -> IssuedTokens:
    """Native: finish a challenged sign-in with its code. A device id sent here must be the
    one the challenge was issued for."""
    with metrics.sign_in_attempt("native"):
        record = await repo.get_code_by_handle(session, challenge)
        if record is not None and record.purpose != codes.LOGIN_DEVICE:
            record = None
        if record is not None and client.device_id and client.device_id != record.device_id:
            raise WrongDevice()
        record = await codes.check(session, record, code, settings=settings)
        user = await lookup.get_live_user(session, record.user_id)
        surface = Surface(
            str(record.context.get("surface", "native")),
            with_refresh=bool(record.context.get("with_refresh", True)),
        )
        return await _finish_device_login(
            session,
            user,
            replace(client, device_id=record.device_id),
            surface,
            settings=settings,
            limiter=limiter,
            mailer=mailer,
            signer=signer,
        )


async def _after_password(
    session: AsyncSession,
    user: User,
    client: ClientInfo,
    surface: Surface,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
    signer: TokenSigner,
) -> IssuedTokens:
    if surface != NATIVE and user.email and await has_second_factor(session, user.id):
        return await _approved_with_second_factor(
            session,
            user,
            client,
            surface,
            settings=settings,
            limiter=limiter,
            mailer=mailer,
            signer=signer,
        )
    await _second_factor(session, user, client, surface, settings=settings, limiter=limiter)
    if await needs_challenge(session, user, client.device_id, settings=settings):
        if not surface.approval:
            context = {"surface": surface.name, "with_refresh": surface.with_refresh}
            challenge = await challenge_device(
                session,
                user,
                client,
                context=context,
                settings=settings,
                limiter=limiter,
                mailer=mailer,
            )
            raise DeviceVerificationRequired(
                f"New device: enter the code sent to {challenge.sent_to}",
                challenge=challenge.challenge,
                sent_to=challenge.sent_to,
                expires_in=challenge.expires_in,
            )
        client = approvals.bind(client, surface.name)
        known = await is_known(session, user.id, client.device_id)
        if not known and not await approvals.redeem(session, user, client):
            raise await approvals.request(
                session,
                user,
                client,
                surface.name,
                settings=settings,
                limiter=limiter,
                mailer=mailer,
            )
    if settings.device_verification and client.device_id:
        await remember(session, user.id, client)
    return await _start(session, user, client, surface, settings=settings, signer=signer)


async def _approved_with_second_factor(
    session: AsyncSession,
    user: User,
    client: ClientInfo,
    surface: Surface,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
    signer: TokenSigner,
) -> IssuedTokens:
    """A contract whose login cannot ask for the second factor: each sign-in is approved by
    mail, on a page that asks for it (`approvals`)."""
    client = approvals.bind(client, surface.name)
    if not await approvals.redeem(session, user, client, second_factor=True):
        raise await approvals.request(
            session,
            user,
            client,
            surface.name,
            second_factor=True,
            settings=settings,
            limiter=limiter,
            mailer=mailer,
        )
    if settings.device_verification:
        await remember(session, user.id, client)
    return await _start(
        session, user, client, surface, amr="pwd mfa", settings=settings, signer=signer
    )


async def _finish_device_login(
    session: AsyncSession,
    user: User,
    client: ClientInfo,
    surface: Surface,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
    signer: TokenSigner,
) -> IssuedTokens:
    await _second_factor(session, user, client, surface, settings=settings, limiter=limiter)
    await remember(session, user.id, client)
    await notify_new_device(
        session, user, client, settings=settings, limiter=limiter, mailer=mailer
    )
    return await _start(session, user, client, surface, settings=settings, signer=signer)


async def _start(
    session: AsyncSession,
    user: User,
    client: ClientInfo,
    surface: Surface,
    amr: str = "pwd",
    *,
    settings: Settings,
    signer: TokenSigner,
) -> IssuedTokens:
    return await session_service.start_session(
        session,
        user,
        client,
        surface=surface.name,
        with_refresh=surface.with_refresh,
        amr=amr,
        settings=settings,
        signer=signer,
    )


async def _second_factor(
    session: AsyncSession,
    user: User,
    client: ClientInfo,
    surface: Surface,
    *,
    settings: Settings,
    limiter: RateLimiter,
) -> None:
    """After the password: the second factor, if the account has one (only the native login
    can carry it; the other contracts refuse)."""
    await require_second_factor(
        session,
        user,
        client,
        surface=surface.name,
        with_refresh=surface.with_refresh,
        can_ask=surface == NATIVE,
        settings=settings,
        limiter=limiter,
    )


async def _user_by_email(
    session: AsyncSession, email: str, *, settings: Settings, limiter: RateLimiter
) -> User:
    try:
        address = clean_email(email)
    except InvalidEmail as exc:
        raise UnknownAccount() from exc
    user = await repository.get_user_by_email(session, address)
    if user is None:  # a disabled account is refused after its password (AccountDisabled)
        await limiter.hit(settings.rate_login, "login-account", address)
        raise UnknownAccount()
    if user.password_hash is None:
        raise InvalidCredentials()
    return user
