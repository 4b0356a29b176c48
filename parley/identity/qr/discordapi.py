"""DiscordApi QR sign-in: the hub is the desktop's `client_id`, which its QR code shows to
anyone who looks, so the hub is owned by the one desktop socket that opened it.

- `open_hub`: a `pc` socket claims the hub with a secret of its own (only its hash is
  stored, in `qr_hub_claim`, renewed by `keep_hub` while the socket lives); a second `pc`
  socket for a live hub is refused (HubTaken).
- `pending_ticket` (the phone's sealed token, single use: its hash is the ticket's unique
  `ticket_hash`) binds the new ticket to the hub's current owner; no owner, no ticket.
- On approval only `qr.updated` `{"event": "approved"}` crosses the bus; the owner socket then
  mints the one-use `user_payload` with its secret (`issue_user_payload`), so no other socket
  (and no other instance) ever sees an exchangeable payload, and only the device that proved
  itself becomes known.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import Unauthorized
from parley.identity.accounts import lookup
from parley.identity.devices import codes
from parley.identity.devices import repository as repo
from parley.identity.devices import service as devices
from parley.identity.devices.errors import WrongDevice
from parley.identity.qr.errors import (
    HubTaken,
    NoDesktop,
    NoPendingTicket,
    TicketNotFound,
    TicketUsed,
)
from parley.identity.qr.service import (
    APPROVED,
    CODE_REQUIRED,
    DISCORDAPI,
    PENDING,
    Outcome,
    announce,
    check_code_for,
    desktop_client,
    finish,
)
from parley.identity.sessions import repository
from parley.identity.sessions.sealing import BadSeal, seal, server_secret, unseal
from parley.identity.sessions.service import IssuedTokens
from parley.identity.sessions.tokens import Principal, TokenSigner
from parley.infra.mailer import Mailer
from parley.infra.ratelimit import RateLimiter
from parley.kit.client import ClientInfo
from parley.kit.secrets import new_token, token_hash
from parley.kit.time import utc_now
from parley.models import QrTicket
from parley.settings import Settings

_USER_DATA = "qr-user-data"


def _hub(client_id: str) -> str:
    return client_id[:128]


def _claim_expiry(*, settings: Settings) -> timedelta:
    return timedelta(seconds=settings.qr_ticket_ttl_seconds)


async def open_hub(session: AsyncSession, client_id: str, *, settings: Settings) -> str:
    """A desktop socket claims hub `client_id`; returns that socket's secret."""
    secret = new_token(32)
    now = utc_now()
    if not await repo.take_hub(
        session, _hub(client_id), token_hash(secret), now, now + _claim_expiry(settings=settings)
    ):
        raise HubTaken()
    return secret


async def keep_hub(
    session: AsyncSession, client_id: str, secret: str, *, settings: Settings
) -> bool:
    """Renew the claim; False when it was lost (it lapsed and another socket took it)."""
    expires = utc_now() + _claim_expiry(settings=settings)
    return await repo.renew_hub(session, _hub(client_id), token_hash(secret), expires)


async def close_hub(session: AsyncSession, client_id: str, secret: str) -> None:
    await repo.release_hub(session, _hub(client_id), token_hash(secret))


def encrypt_user_data(principal: Principal, *, settings: Settings) -> str:
    """The phone's sealed statement "this session wants to sign a desktop in" (2 minutes,
    good for one `pending_ticket`)."""
    return seal(
        server_secret(settings.keys_dir),
        _USER_DATA,
        {"uid": principal.user_id, "sid": principal.session_id, "n": new_token(8)},
        settings.qr_ticket_ttl_seconds,
    )


async def pending_ticket(
    session: AsyncSession,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
    client_id: str,
    client_ip: str | None,
    encrypted_user_payload: str,
    user_agent: str | None = None,
) -> Outcome:
    """`pending_ticket` from the phone in hub `client_id`. Unauthorized when the sealed token
    is bad, expired, already used or its session ended; NoDesktop when no desktop socket
    holds the hub."""
    try:
        claims = unseal(server_secret(settings.keys_dir), _USER_DATA, encrypted_user_payload)
        user_id, session_id = int(claims["uid"]), int(claims["sid"])
    except (BadSeal, KeyError, TypeError, ValueError) as exc:
        raise Unauthorized("Invalid or expired user payload") from exc
    if not await repository.session_is_live(session, session_id, user_id, utc_now()):
        raise Unauthorized("The phone's session has ended")
    hub = _hub(client_id)
    now = utc_now()
    owner = await repo.hub_owner(session, hub, now)
    if owner is None:
        raise NoDesktop()
    user = await lookup.get_live_user(session, user_id)
    record = QrTicket(
        kind=DISCORDAPI,
        hub=hub,
        ticket_hash=token_hash(encrypted_user_payload),  # unique: the seal works once
        owner_hash=owner,
        status=PENDING,
        device_id=hub,
        ip=client_ip[:45] if client_ip else None,
        user_agent=user_agent,
        user_id=user.id,
        approved_by_session_id=session_id,
        approved_at=now,
        attempts=0,
        trusted=False,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.qr_ticket_ttl_seconds),
    )
    try:
        async with session.begin_nested():
            await repo.add(session, record)
    except IntegrityError as exc:
        raise Unauthorized("This user payload was already used") from exc
    if await devices.needs_challenge(session, user, hub, settings=settings):
        record.status = CODE_REQUIRED
        challenge = await devices.challenge_device(
            session,
            user,
            desktop_client(record),
            purpose=codes.QR_DEVICE,
            context={"ticket_id": record.id},
            settings=settings,
            limiter=limiter,
            mailer=mailer,
        )
        announce(session, record, event=CODE_REQUIRED, sent_to=challenge.sent_to)
        return Outcome(CODE_REQUIRED, sent_to=challenge.sent_to)
    return await _approve(session, record, PENDING)


async def pending_ticket_confirmation(
    session: AsyncSession, *, settings: Settings, client_id: str, confirmation_code: str
) -> Outcome:
    """`pending_ticket_confirmation` from either socket of hub `client_id`."""
    record = await repo.latest_ticket_for_hub(session, _hub(client_id), CODE_REQUIRED, utc_now())
    if record is None or record.kind != DISCORDAPI or record.user_id is None:
        raise NoPendingTicket()
    await check_code_for(session, record, confirmation_code, settings=settings)
    return await _approve(session, record, CODE_REQUIRED)


async def _approve(session: AsyncSession, record: QrTicket, from_status: str) -> Outcome:
    await session.flush()
    won = await repo.transition_ticket(
        session, record.id, from_status, utc_now(), status=APPROVED, trusted=True
    )
    if not won:
        raise TicketUsed()
    announce(session, record, event=APPROVED)
    return Outcome(APPROVED)


async def issue_user_payload(
    session: AsyncSession, client_id: str, ticket_id: int, secret: str
) -> str | None:
    """The owner socket's one-use `user_payload` for its approved ticket; None for any other
    socket, or when it was issued already. The hub's work is done then: its claim ends."""
    payload = new_token(32)
    won = await repo.transition_ticket(
        session,
        ticket_id,
        APPROVED,
        utc_now(),
        extra_where=[
            QrTicket.kind == DISCORDAPI,
            QrTicket.owner_hash == token_hash(secret),
            QrTicket.exchange_hash.is_(None),
        ],
        exchange_hash=token_hash(payload),
    )
    if not won:
        return None
    await close_hub(session, client_id, secret)
    return payload


async def exchange_user_payload(
    session: AsyncSession,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
    signer: TokenSigner,
    client_id: str,
    user_payload: str,
    client: ClientInfo,
) -> IssuedTokens:
    """`GET /auth/qr_auth/?client_id=…`: TicketNotFound (404) for an unknown, used or expired
    payload, WrongDevice (403) when it belongs to another client_id."""
    record = await repo.get_ticket_by_exchange(session, token_hash(user_payload))
    if record is None or record.kind != DISCORDAPI or record.status != APPROVED:
        raise TicketNotFound()
    if record.hub != _hub(client_id):
        raise WrongDevice()
    if record.expires_at <= utc_now():
        raise TicketNotFound()
    return await finish(
        session,
        record,
        client,
        with_refresh=False,
        settings=settings,
        limiter=limiter,
        mailer=mailer,
        signer=signer,
    )
