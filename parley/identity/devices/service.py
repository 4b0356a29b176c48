"""Known devices: listing, forgetting and remembering them, the check whether a sign-in
needs the mailed code (`needs_challenge`, `challenge_device`), the new-device notice and its
"this wasn't me" link. The password sign-in that enforces the check is in `login`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import NotFound
from parley.identity.accounts import audit
from parley.identity.devices import codes
from parley.identity.devices import repository as repo
from parley.identity.devices.errors import (
    DeviceUnverifiable,
)
from parley.identity.devices.mail import send_after_commit
from parley.identity.sessions import service as session_service
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
