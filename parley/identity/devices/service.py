"""Known devices and the enforced step-up for sign-ins from unknown ones.

A password sign-in from a device the user has not proven yet opens no session: a 6-digit
code goes to the account's email, bound to that device, and only `verify_login` (native) or
`confirm_device_and_login` (DiscordApi) with that code opens the session and remembers the
device. Every such new-device sign-in mails a notice with a single-use "this wasn't me" link.

Native requests without a device id: an account that has never proven a device signs in
as before; once it has one, a device-less sign-in is an unknown device (code every time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import NotFound
from parley.identity.accounts import audit, lookup, service
from parley.identity.accounts.errors import InvalidCredentials, InvalidEmail
from parley.identity.accounts.passwords import Passwords
from parley.identity.accounts.validation import clean_email
from parley.identity.devices import approvals, codes
from parley.identity.devices import repository as repo
from parley.identity.devices.errors import (
    DeviceUnverifiable,
    DeviceVerificationRequired,
    UnknownAccount,
    WrongDevice,
)
from parley.identity.devices.mail import send_after_commit
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
from parley.kit.secrets import mask_email
from parley.kit.time import utc_now
from parley.models import KnownDevice, User
from parley.settings import Settings


@dataclass(frozen=True)
class Surface:
    """How a surface signs in: its name (on the session), a refreshable session or one
    long-lived token, and whether its login lacks a code step (then a new device gets the
    mailed approval link instead of a code)."""

    name: str = "native"
    with_refresh: bool = True
    approval: bool = False


NATIVE = Surface()
DISCORDAPI = Surface("discordapi", with_refresh=False)


@dataclass(frozen=True)
class DeviceChallenge:
    """A sign-in waiting for the mailed code."""

    challenge: str
    sent_to: str
    expires_in: int
    user_id: int


async def list_devices(session: AsyncSession, user_id: int) -> Sequence[KnownDevice]:
    return await repo.list_devices(session, user_id)


async def forget_device(session: AsyncSession, user_id: int, pk: int) -> None:
    """Forget one of the caller's devices; its next sign-in needs a code again."""
    device = await repo.get_device_by_id(session, user_id, pk)
    if device is None:
        raise NotFound("No such device")
    await repo.delete_device(session, user_id, device.device_id)
    await audit.record(session, "device.forgotten", user_id=user_id, device_id=device.device_id)


async def is_known(session: AsyncSession, user_id: int, device_id: str | None) -> bool:
    if not device_id:
        return False
    return await repo.get_device(session, user_id, device_id) is not None


async def remember(
    session: AsyncSession, user_id: int, client: ClientInfo
) -> tuple[KnownDevice | None, bool]:
    """Record (or refresh) the client's device; returns (device, newly_added)."""
    if not client.device_id:
        return None, False
    now = utc_now()
    device = await repo.get_device(session, user_id, client.device_id)
    if device is not None:
        device.last_seen_at = now
        device.ip = client.ip or device.ip
        device.country = client.country or device.country
        device.user_agent = client.user_agent or device.user_agent
        return device, False
    device = KnownDevice(
        user_id=user_id,
        device_id=client.device_id,
        first_seen_at=now,
        last_seen_at=now,
        ip=client.ip,
        country=client.country,
        user_agent=client.user_agent,
    )
    await repo.add(session, device)
    await audit.record(session, "device.added", user_id=user_id, client=client)
    return device, True


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


async def not_me(session: AsyncSession, *, token: str) -> int:
    """The "this wasn't me" link: revoke every session and forget the device. Returns how
    many sessions were revoked."""
    record = await codes.redeem_link(session, token, (codes.NOT_ME,))
    if record.device_id:
        await repo.delete_device(session, record.user_id, record.device_id)
    await audit.record(session, "device.disowned", user_id=record.user_id)
    return await session_service.revoke_all_sessions(session, record.user_id, "not_me")


async def challenge_device(
    session: AsyncSession,
    user: User,
    client: ClientInfo,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
    purpose: str = codes.LOGIN_DEVICE,
    context: dict[str, object] | None = None,
) -> DeviceChallenge:
    """Mail a device code bound to `client.device_id` (rate limited per account)."""
    assert user.email is not None
    issued = await codes.issue(
        session,
        user,
        purpose,
        device_id=client.device_id,
        context={"ip": client.ip, "user_agent": client.user_agent, **(context or {})},
        rate_key=str(user.id),
        settings=settings,
        limiter=limiter,
    )
    assert issued.code is not None
    minutes = settings.code_ttl_seconds // 60
    send_after_commit(
        session,
        mailer,
        user.email,
        "Your Parley code for a new device",
        f"Hello {user.username},\n\n"
        f"Someone signed in to your Parley account from a new device "
        f"({client.user_agent or 'unknown client'}, {client.ip or 'unknown address'}).\n\n"
        f"If it was you, enter this code: {issued.code}\n\n"
        f"It is valid for {minutes} minutes. If it was not you, change your password.\n",
    )
    await audit.record(session, "device.challenged", user_id=user.id, client=client)
    metrics.DEVICE_CHALLENGES.inc()
    return DeviceChallenge(
        issued.record.handle, mask_email(user.email), settings.code_ttl_seconds, user.id
    )


async def notify_new_device(
    session: AsyncSession,
    user: User,
    client: ClientInfo,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
) -> None:
    """Mail the new-sign-in notice with its single-use "this wasn't me" link."""
    if not user.email:
        return
    issued = await codes.issue(
        session,
        user,
        codes.NOT_ME,
        device_id=client.device_id,
        with_code=False,
        with_link=True,
        ttl_seconds=settings.link_ttl_seconds,
        supersede=False,
        settings=settings,
        limiter=limiter,
    )
    link = f"{settings.public_url.rstrip('/')}/wasnt-me/{issued.link_token}"  # web client
    where = ", ".join(part for part in (client.user_agent, client.ip, client.country) if part)
    send_after_commit(
        session,
        mailer,
        user.email,
        "New sign-in to your Parley account",
        f"Hello {user.username},\n\nYour account was just signed in from a new device"
        f" ({where or 'unknown device'}).\n\nIf this wasn't you, open this link to sign out"
        f" everywhere and forget that device:\n{link}\n\nThen change your password.\n",
    )


async def needs_challenge(
    session: AsyncSession, user: User, device_id: str | None, *, settings: Settings
) -> bool:
    """True when this sign-in must be confirmed by a mailed code. An account that has proven
    a device but has no email (it was cleared) cannot confirm another one: DeviceUnverifiable,
    never a silent pass."""
    if not settings.device_verification or (
        device_id and await is_known(session, user.id, device_id)
    ):
        return False
    if user.email and device_id:
        return True
    if not await repo.has_devices(session, user.id):
        return False  # no device proven yet: nothing to protect
    if not user.email:
        raise DeviceUnverifiable()
    return True


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
