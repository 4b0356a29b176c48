"""Sign-in approval by mail, for contracts whose login has no code step (Whisper, Goncord).

Their clients cannot send a device code, so a sign-in that needs one mails an approval link
instead and is refused with `ApprovalRequired`. The link approves exactly that client: the
surface, address and user agent of the refused request (its *binding*). Once approved, the
same request from the same client succeeds, once, within `code_ttl_seconds`; the binding
then becomes a known device, so later sign-ins from it pass without mail.

An account with a second factor (TOTP or a passkey) gets an approval link at every password
sign-in of such a contract, known device or not, and its approval page asks for the TOTP or a
recovery code (`second_factor` links): the contract's login cannot carry that step itself.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from parley.identity.accounts import audit
from parley.identity.devices import codes
from parley.identity.devices import repository as repo
from parley.identity.devices.errors import ApprovalRequired, InvalidLink
from parley.identity.devices.mail import send_after_commit
from parley.identity.sessions import repository
from parley.identity.twofactor.approval import confirm_on_link
from parley.infra.mailer import Mailer
from parley.infra.ratelimit import RateLimiter
from parley.kit.client import ClientInfo
from parley.kit.secrets import mask_email, token_hash
from parley.kit.time import utc_now
from parley.models import User
from parley.settings import Settings

APPROVE_PATH = "/v1/auth/login/approve"
SURFACE_NAMES = {"whisper": "Whisper", "goncord": "Goncord", "discordapi": "DiscordApi"}


def bind(client: ClientInfo, surface: str) -> ClientInfo:
    """The client with its binding as device id: one per surface, address and user agent."""
    key = token_hash(f"{surface}\n{client.ip or ''}\n{client.user_agent or ''}")[:40]
    return replace(client, device_id=f"{surface}:{key}")


async def redeem(
    session: AsyncSession, user: User, client: ClientInfo, *, second_factor: bool = False
) -> bool:
    """Spend the approval of this bound client, if there is a live one (one winner);
    `second_factor`: only an approval that checked the second factor counts."""
    assert client.device_id is not None
    record = await repo.latest_code(
        session, user.id, codes.LOGIN_APPROVED, device_id=client.device_id
    )
    now = utc_now()
    if record is None or record.used_at is not None or record.expires_at <= now:
        return False
    if second_factor and not record.context.get("second_factor"):
        return False
    return await repo.consume_code(session, record.id, now)


async def request(
    session: AsyncSession,
    user: User,
    client: ClientInfo,
    surface: str,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
    second_factor: bool = False,
) -> ApprovalRequired:
    """Mail the approval link for this bound client (once while a link is pending) and return
    the error that tells the client to check the mail; `second_factor`: the link's page asks
    for the second factor."""
    assert user.email is not None
    assert client.device_id is not None
    sent_to = mask_email(user.email)
    pending = await repo.latest_code(
        session, user.id, codes.LOGIN_APPROVAL, device_id=client.device_id
    )
    if (
        pending is None
        or pending.used_at is not None
        or pending.expires_at <= utc_now()
        or bool(pending.context.get("second_factor")) != second_factor
    ):
        await _mail(
            session,
            user,
            client,
            surface,
            second_factor,
            settings=settings,
            limiter=limiter,
            mailer=mailer,
        )
    return ApprovalRequired(
        f"New device: check the mail sent to {sent_to}, approve this sign-in, then sign in again",
        sent_to=sent_to,
    )


async def asks_second_factor(session: AsyncSession, token: str) -> bool:
    """Whether the approval page of this link must ask for the second factor (InvalidLink
    for a dead link)."""
    return bool(
        (await codes.live_link(session, token, (codes.LOGIN_APPROVAL,))).context.get(
            "second_factor"
        )
    )


async def approve(
    session: AsyncSession,
    token: str,
    second_factor_code: str | None = None,
    *,
    settings: Settings,
    limiter: RateLimiter,
) -> str:
    """The link from the mail: the bound client may now sign in once. Returns the surface.
    A `second_factor` link needs the TOTP or a recovery code (WrongSecondFactor)."""
    link = await codes.live_link(session, token, (codes.LOGIN_APPROVAL,))
    if link.context.get("second_factor"):
        await confirm_on_link(
            session, link, second_factor_code or "", settings=settings, limiter=limiter
        )
    record = await codes.redeem_link(session, token, (codes.LOGIN_APPROVAL,))
    user = await repository.get_user(session, record.user_id)
    if user is None:
        raise InvalidLink()
    await codes.issue(
        session,
        user,
        codes.LOGIN_APPROVED,
        device_id=record.device_id,
        with_code=False,
        context=record.context,
        supersede=False,
        settings=settings,
        limiter=limiter,
    )
    await audit.record(session, "login.approved", user_id=record.user_id)
    return str(record.context.get("surface", ""))


async def _mail(
    session: AsyncSession,
    user: User,
    client: ClientInfo,
    surface: str,
    second_factor: bool,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
) -> None:
    assert user.email is not None
    issued = await codes.issue(
        session,
        user,
        codes.LOGIN_APPROVAL,
        device_id=client.device_id,
        with_code=False,
        with_link=True,
        context={
            "surface": surface,
            "ip": client.ip,
            "user_agent": client.user_agent,
            "second_factor": second_factor,
        },
        rate_key=str(user.id),
        supersede=False,
        settings=settings,
        limiter=limiter,
    )
    link = f"{settings.public_url.rstrip('/')}{APPROVE_PATH}?token={issued.link_token}"
    name = SURFACE_NAMES.get(surface, surface)
    where = (
        ", ".join(part for part in (client.user_agent, client.ip) if part) or "an unknown device"
    )
    minutes = settings.code_ttl_seconds // 60
    send_after_commit(
        session,
        mailer,
        user.email,
        "Approve the sign-in to your Parley account",
        f"Hello {user.username},\n\nIs this you signing in from {name} on {where}?\n\n"
        f"Approve: {link}\n\nThen sign in again from {name} within {minutes} minutes. "
        "If it was not you, do not open the link and change your password.\n",
    )
    await audit.record(session, "login.approval_requested", user_id=user.id, client=client)
