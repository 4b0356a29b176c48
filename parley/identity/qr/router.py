"""Native QR-code sign-in: the desktop's websocket, QR images, the phone's approval."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from typing import Any

import anyio
import qrcode
import qrcode.image.svg
from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect
from fastapi.responses import Response

from parley.deps import Client, DatabaseDep, LimiterDep, MailerDep, Session, SettingsDep
from parley.identity.accounts.deps import CurrentPrincipal
from parley.identity.qr import service as qr
from parley.identity.qr.hub import get_hub
from parley.identity.qr.schemas import (
    ApproveRequest,
    ConfirmRequest,
    ExchangeRequest,
    QrApproval,
    QrTicketInfo,
)
from parley.identity.sessions.deps import SignerDep
from parley.identity.sessions.router import token_pair
from parley.identity.sessions.schemas import TokenPair
from parley.kit import qr as qr_image
from parley.kit.client import client_info
from parley.kit.openapi import responses

router = APIRouter(tags=["qr"])

CheckCode = Query(min_length=1, max_length=16, description="The check code sent with the ticket")


@router.websocket("/qr/login")
async def qr_login(
    websocket: WebSocket, settings: SettingsDep, db: DatabaseDep, device_id: str | None = None
) -> None:
    """Desktop side. Frames sent: `ticket` (ticket, check_code, url, qr_png, qr_svg,
    expires_in), `code_required` (sent_to), `approved` (exchange_code), `failed`,
    `denied`, `expired`; `{"op": "heartbeat"}` answers `heartbeat_ack`."""
    hub = get_hub(websocket)
    await websocket.accept()
    client = client_info(websocket, settings.trusted_proxy_list, device_id)
    async with db.unit_of_work() as session:
        new = await qr.create_ticket(session, client, settings=settings)
    events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    async with hub.join(new.record.hub, events.put_nowait):
        base = f"/v1/qr/{new.ticket}/qr"
        await websocket.send_json(
            {
                "op": "ticket",
                "ticket": new.ticket,
                "check_code": new.check_code,
                "url": new.url,
                "qr_png": f"{base}.png?check={new.check_code}",
                "qr_svg": f"{base}.svg?check={new.check_code}",
                "expires_in": new.expires_in,
            }
        )
        receiver = asyncio.create_task(_answer_heartbeats(websocket))
        try:
            await _relay(websocket, events, receiver, new.expires_in, db=db)
        finally:
            receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                await receiver


async def _relay(
    websocket: WebSocket,
    events: asyncio.Queue[dict[str, Any]],
    receiver: asyncio.Task[None],
    expires_in: int,
    *,
    db: DatabaseDep,
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + expires_in
    while True:
        getter = asyncio.create_task(events.get())
        done, _ = await asyncio.wait(
            {getter, receiver},
            timeout=max(0.0, deadline - loop.time()),
            return_when=asyncio.FIRST_COMPLETED,
        )
        if receiver in done:  # the desktop went away
            getter.cancel()
            return
        if getter not in done:
            getter.cancel()
            await _close(websocket, {"op": "expired"})
            return
        event = getter.result()
        kind = event.get("event")
        if kind == qr.CODE_REQUIRED:
            await websocket.send_json({"op": "code_required", "sent_to": event.get("sent_to")})
        elif kind == qr.APPROVED:
            async with db.unit_of_work() as session:
                code = await qr.issue_exchange_code(session, int(event["ticket_id"]))
            if code is not None:
                await _close(websocket, {"op": "approved", "exchange_code": code})
                return
        elif kind in (qr.FAILED, qr.DENIED):
            await _close(websocket, {"op": kind})
            return


async def _answer_heartbeats(websocket: WebSocket) -> None:
    while True:
        try:
            message = await websocket.receive_json()
        except (WebSocketDisconnect, RuntimeError):
            return
        except ValueError:
            continue
        if isinstance(message, dict) and message.get("op") == "heartbeat":
            await websocket.send_json({"op": "heartbeat_ack"})


async def _close(websocket: WebSocket, frame: dict[str, Any]) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_json(frame)
        await websocket.close(1000)


@router.get(
    "/qr/{ticket}/qr.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}, **responses(400, 404)},
)
async def qr_png(
    ticket: str, session: Session, settings: SettingsDep, check: str = CheckCode
) -> Response:
    """The QR code (PNG) for a pending ticket and its check code."""
    url = await qr.check_ticket(session, ticket, check, settings=settings)
    return Response(await anyio.to_thread.run_sync(qr_image.png, url), media_type="image/png")


@router.get(
    "/qr/{ticket}/qr.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}, **responses(400, 404)},
)
async def qr_svg(
    ticket: str, session: Session, settings: SettingsDep, check: str = CheckCode
) -> Response:
    """The QR code (SVG) for a pending ticket and its check code."""
    url = await qr.check_ticket(session, ticket, check, settings=settings)
    return Response(await anyio.to_thread.run_sync(_svg, url), media_type="image/svg+xml")


@router.get("/qr/{ticket}", response_model=QrTicketInfo, responses=responses(401, 404))
async def read_ticket(ticket: str, principal: CurrentPrincipal, session: Session) -> QrTicketInfo:
    """For the phone: the desktop's address, country and client before approving."""
    return QrTicketInfo.model_validate(await qr.describe_ticket(session, principal, ticket))


@router.post(
    "/qr/{ticket}/approve", response_model=QrApproval, responses=responses(400, 401, 404, 409, 429)
)
async def approve_ticket(
    ticket: str,
    body: ApproveRequest,
    principal: CurrentPrincipal,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    mailer: MailerDep,
) -> QrApproval:
    """The signed-in phone approves the desktop (with the check code from the QR)."""
    outcome = await qr.approve_ticket(
        session,
        principal,
        ticket,
        body.check_code,
        settings=settings,
        limiter=limiter,
        mailer=mailer,
    )
    return QrApproval(status=outcome.event, sent_to=outcome.sent_to)


@router.post("/qr/{ticket}/deny", status_code=204, responses=responses(400, 401, 404, 409, 429))
async def deny_ticket(
    ticket: str,
    body: ApproveRequest,
    principal: CurrentPrincipal,
    session: Session,
    settings: SettingsDep,
) -> None:
    """The signed-in phone refuses the desktop (with the check code from the QR)."""
    await qr.deny_ticket(session, principal, ticket, body.check_code, settings=settings)


@router.post("/qr/{ticket}/confirm", response_model=QrApproval, responses=responses(400, 404, 409))
async def confirm_ticket(
    ticket: str, body: ConfirmRequest, session: Session, settings: SettingsDep
) -> QrApproval:
    """The emailed code, when the desktop is a new device for the account."""
    await qr.confirm_ticket_code(session, ticket, body.code, settings=settings)
    return QrApproval(status=qr.APPROVED)


@router.post("/qr/exchange", response_model=TokenPair, responses=responses(403, 404, 409))
async def exchange_ticket(
    body: ExchangeRequest,
    session: Session,
    settings: SettingsDep,
    limiter: LimiterDep,
    mailer: MailerDep,
    signer: SignerDep,
    client: Client,
) -> TokenPair:
    """The desktop trades the one-use exchange code from its socket for a session."""
    issued = await qr.exchange(
        session,
        ticket=body.ticket,
        exchange_code=body.exchange_code,
        client=replace(client, device_id=body.device_id),
        settings=settings,
        limiter=limiter,
        mailer=mailer,
        signer=signer,
    )
    return token_pair(issued)


def _svg(url: str) -> bytes:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage)
    data: bytes = image.to_string(encoding="unicode").encode()
    return data
