"""QR-code sign-in: a signed-in phone approves a desktop that shows a QR code.

Tickets live `qr_ticket_ttl_seconds` and move pending -> (code_required ->) approved ->
exchanged by conditional UPDATEs, so two concurrent approvals or exchanges have one winner.
An unknown desktop device still needs the emailed code, unless the approving phone session
is itself on a known device and `qr_trusted_approver_skips_code` is on.

State changes go out as `qr.updated` events `{"hub": name, "data": {...}}`; the hub
(`qr_hub.QrHub`) on every instance hands them to its sockets in that hub. Two flavours:

- native: the desktop's socket gets `approved` without a secret and asks its own instance
  for a one-use exchange code (`issue_exchange_code`), so the secret never crosses the bus;
- DiscordApi (`qr_discordapi`): the hub is the desktop's `client_id`, owned by one desktop
  socket; the one-use `user_payload` is minted for that socket only.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from parley import events
from parley.db import emit
from parley.identity.accounts import audit, lookup
from parley.identity.devices import codes
from parley.identity.devices import repository as repo
from parley.identity.devices import service as devices
from parley.identity.devices.errors import CodeExpired, WrongDevice
from parley.identity.qr.errors import (
    NoPendingTicket,
    TicketDead,
    TicketNotFound,
    TicketUsed,
    WrongCheckCode,
)
from parley.identity.sessions import repository
from parley.identity.sessions import service as sessions
from parley.identity.sessions.service import IssuedTokens
from parley.identity.sessions.tokens import Principal, TokenSigner
from parley.infra.mailer import Mailer
from parley.infra.ratelimit import RateLimiter
from parley.kit.client import ClientInfo
from parley.kit.secrets import new_token, same, token_hash
from parley.kit.time import utc_now
from parley.models import QrTicket, User
from parley.settings import Settings

NATIVE = "native"
DISCORDAPI = "discordapi"

PENDING = "pending"
CODE_REQUIRED = "code_required"
APPROVED = "approved"
EXCHANGED = "exchanged"
FAILED = "failed"
DENIED = "denied"

TOPIC = events.QrUpdated.topic
_CHECK_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class NewTicket:
    ticket: str
    check_code: str
    url: str
    expires_in: int
    record: QrTicket


@dataclass(frozen=True)
class Outcome:
    """What a hub was told: `approved` or `code_required`."""

    event: str
    sent_to: str | None = None


def _check_code() -> str:
    return "".join(secrets.choice(_CHECK_ALPHABET) for _ in range(6))


def announce(session: AsyncSession, record: QrTicket, **data: object) -> None:
    emit(session, events.QrUpdated(hub=record.hub, data={"ticket_id": record.id, **data}))


def qr_url(ticket: str, check_code: str, *, settings: Settings) -> str:
    """What the QR code encodes: the phone opens it (or its app reads the two parts)."""
    return f"{settings.public_url.rstrip('/')}/qr/{ticket}?c={check_code}"


# -- native ------------------------------------------------------------------------------


async def create_ticket(
    session: AsyncSession, client: ClientInfo, *, settings: Settings
) -> NewTicket:
    """A desktop asks to be signed in by QR code."""
    ticket, check = new_token(24), _check_code()
    now = utc_now()
    ttl = settings.qr_ticket_ttl_seconds
    record = QrTicket(
        kind=NATIVE,
        hub=f"native:{new_token(12)}",
        ticket_hash=token_hash(ticket),
        check_hash=token_hash(check),
        status=PENDING,
        device_id=client.device_id,
        ip=client.ip,
        country=client.country,
        user_agent=client.user_agent,
        attempts=0,
        trusted=False,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl),
    )
    await repo.add(session, record)
    return NewTicket(ticket, check, qr_url(ticket, check, settings=settings), ttl, record)


async def _live(session: AsyncSession, ticket: str) -> QrTicket:
    record = await repo.get_ticket_by_hash(session, token_hash(ticket))
    if record is None or record.expires_at <= utc_now() or record.status in (FAILED, DENIED):
        raise TicketNotFound()
    return record


async def check_ticket(
    session: AsyncSession, ticket: str, check_code: str, *, settings: Settings
) -> str:
    """Validate a ticket and its check code (wrong codes count); returns the QR URL."""
    record = await _live(session, ticket)
    if record.kind != NATIVE or record.status != PENDING:
        raise TicketNotFound()
    await _spend_check(session, record, check_code, settings=settings)
    return qr_url(ticket, check_code.strip().upper(), settings=settings)


async def _spend_check(
    session: AsyncSession, record: QrTicket, check_code: str, *, settings: Settings
) -> None:
    """A wrong check code spends one try (one conditional UPDATE), so concurrent guesses
    cannot outrun the limit; the last allowed try kills the ticket for every route."""
    limit = settings.code_max_attempts
    if record.attempts >= limit:
        raise TicketDead()
    if record.check_hash and same(record.check_hash, token_hash(check_code.strip().upper())):
        return
    used = await repo.count_ticket_attempt(session, record.id, limit)
    if used is None or used >= limit:
        await repo.transition_ticket(session, record.id, record.status, utc_now(), status=FAILED)
        announce(session, record, event=FAILED)
        raise TicketDead()
    raise WrongCheckCode(tries_left=limit - used)


async def describe_ticket(session: AsyncSession, principal: Principal, ticket: str) -> QrTicket:
    """What the phone shows before approving: the desktop's address, country, client."""
    record = await _live(session, ticket)
    if record.kind != NATIVE or record.status == EXCHANGED:
        raise TicketNotFound()
    if record.user_id is not None and record.user_id != principal.user_id:
        raise TicketNotFound()
    return record


async def approve_ticket(
    session: AsyncSession,
    principal: Principal,
    ticket: str,
    check_code: str,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
) -> Outcome:
    """The signed-in phone approves. One approval wins; the rest get TicketUsed."""
    record = await _live(session, ticket)
    if record.kind != NATIVE:
        raise TicketNotFound()
    if record.status != PENDING:
        raise TicketUsed()
    await _spend_check(session, record, check_code, settings=settings)
    user = await lookup.get_live_user(session, principal.user_id)
    phone = await repository.get_session(session, principal.session_id)
    trusted_phone = (
        settings.qr_trusted_approver_skips_code
        and phone is not None
        and await devices.is_known(session, user.id, phone.device_id)
    )
    desktop_known = await devices.is_known(session, user.id, record.device_id)
    needs_code = (
        not desktop_known
        and not trusted_phone
        and await devices.needs_challenge(session, user, record.device_id, settings=settings)
    )
    now = utc_now()
    won = await repo.transition_ticket(
        session,
        record.id,
        PENDING,
        now,
        status=CODE_REQUIRED if needs_code else APPROVED,
        user_id=user.id,
        approved_by_session_id=principal.session_id,
        approved_at=now,
        trusted=not needs_code,
    )
    if not won:
        raise TicketUsed()
    await audit.record(session, "qr.approved", user_id=user.id, session_id=principal.session_id)
    if needs_code:
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
    announce(session, record, event=APPROVED)
    return Outcome(APPROVED)


async def deny_ticket(
    session: AsyncSession, principal: Principal, ticket: str, check_code: str, *, settings: Settings
) -> None:
    """The signed-in phone refuses: the desktop's socket is told `denied`. A ticket waiting
    for its code can only be refused by the person who approved it."""
    record = await _live(session, ticket)
    if record.kind != NATIVE or record.status not in (PENDING, CODE_REQUIRED):
        raise TicketNotFound()
    if record.user_id is not None and record.user_id != principal.user_id:
        raise TicketNotFound()
    await _spend_check(session, record, check_code, settings=settings)
    if not await repo.transition_ticket(
        session, record.id, record.status, utc_now(), status=DENIED
    ):
        raise TicketUsed()
    await audit.record(
        session, "qr.denied", user_id=principal.user_id, session_id=principal.session_id
    )
    announce(session, record, event=DENIED)


async def confirm_ticket_code(
    session: AsyncSession, ticket: str, code: str, *, settings: Settings
) -> None:
    """The emailed code for an unknown desktop (either side may enter it)."""
    record = await _live(session, ticket)
    if record.kind != NATIVE or record.status != CODE_REQUIRED or record.user_id is None:
        raise NoPendingTicket()
    await check_code_for(session, record, code, settings=settings)
    won = await repo.transition_ticket(
        session, record.id, CODE_REQUIRED, utc_now(), status=APPROVED, trusted=True
    )
    if not won:
        raise TicketUsed()
    announce(session, record, event=APPROVED)


async def issue_exchange_code(session: AsyncSession, ticket_id: int) -> str | None:
    """Called by the desktop's own instance when its ticket is approved: a one-use code
    that only this socket ever sees. None when it was issued already or the ticket died."""
    code = new_token(24)
    won = await repo.transition_ticket(
        session,
        ticket_id,
        APPROVED,
        utc_now(),
        extra_where=[QrTicket.exchange_hash.is_(None)],
        exchange_hash=token_hash(code),
    )
    return code if won else None


async def exchange(
    session: AsyncSession,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
    signer: TokenSigner,
    ticket: str,
    exchange_code: str,
    client: ClientInfo,
) -> IssuedTokens:
    """The desktop trades its exchange code for a session (once)."""
    record = await _live(session, ticket)
    if record.kind != NATIVE:
        raise TicketNotFound()
    if client.device_id and record.device_id and client.device_id != record.device_id:
        raise WrongDevice()
    if record.exchange_hash is None or not same(record.exchange_hash, token_hash(exchange_code)):
        raise TicketNotFound()
    return await finish(
        session,
        record,
        client,
        with_refresh=True,
        settings=settings,
        limiter=limiter,
        mailer=mailer,
        signer=signer,
    )


# -- shared -------------------------------------------------------------------------------


def desktop_client(record: QrTicket) -> ClientInfo:
    return ClientInfo(
        ip=record.ip,
        user_agent=record.user_agent,
        device_id=record.device_id,
        country=record.country,
    )


async def check_code_for(
    session: AsyncSession, record: QrTicket, code: str, *, settings: Settings
) -> None:
    """The code mailed for this very ticket (its user, its desktop device)."""
    assert record.user_id is not None
    found = await repo.latest_code(
        session, record.user_id, codes.QR_DEVICE, device_id=record.device_id
    )
    if found is None or found.context.get("ticket_id") != record.id:
        raise CodeExpired()
    await codes.check(session, found, code, settings=settings)


async def finish(
    session: AsyncSession,
    record: QrTicket,
    client: ClientInfo,
    *,
    settings: Settings,
    limiter: RateLimiter,
    mailer: Mailer,
    signer: TokenSigner,
    with_refresh: bool,
) -> IssuedTokens:
    won = await repo.transition_ticket(
        session, record.id, APPROVED, utc_now(), status=EXCHANGED, exchanged_at=utc_now()
    )
    if not won or record.user_id is None:
        raise TicketUsed()
    user: User = await lookup.get_live_user(session, record.user_id)
    client = replace(client, device_id=record.device_id)
    if record.trusted and record.device_id and settings.device_verification:
        _, added = await devices.remember(session, user.id, client)
        if added:
            await devices.notify_new_device(
                session, user, client, settings=settings, limiter=limiter, mailer=mailer
            )
    return await sessions.start_session(
        session,
        user,
        client,
        surface=record.kind,
        with_refresh=with_refresh,
        settings=settings,
        signer=signer,
    )
