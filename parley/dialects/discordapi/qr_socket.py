"""DiscordApi function 13: the QR login websocket `/auth_events/qr_auth/`.

The desktop (`client_type=pc`) and the phone (`mb`) join the hub named by the desktop's
`client_id`. Each socket is greeted `{"op": "connected type: pc"}` (or `mb`), as the
original greets. Ops: `heartbeat` -> `heartbeat_ack`; `pending_ticket` (phone, with the token
from `/auth/encrypt_user_data/`); `pending_ticket_confirmation` (either side, the mailed
code). Outcomes reach every socket of the hub, on any instance, through the QR hub; after
"Success auth" the sockets close with 1000. A refused op is answered `{"op": "error",
"detail": ...}` and the socket stays open.

The first `pc` socket owns the hub (`qr_discordapi.open_hub`): only it gets an exchangeable
`user_payload`, minted with its own secret; every other socket hears "Success auth" with an
empty one. A second `pc` socket for a held hub gets an error frame and is closed (1008).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect

from parley.deps import DatabaseDep, LimiterDep, MailerDep, SettingsDep
from parley.dialects.discordapi.schemas import NO_NUL
from parley.errors import Invalid, ParleyError
from parley.identity.qr import discordapi as discord_qr
from parley.identity.qr import service as qr
from parley.identity.qr.hub import get_hub

router = APIRouter(tags=["dialect: DiscordApi"])

NEW_DEVICE = "New auth device detected, send confirmation code to: {}"
SUCCESS = "Success auth"
_DONE = object()


@dataclass(frozen=True, slots=True)
class _Heard:
    """A hub event waiting in a socket's queue to become that socket's frame."""

    event: dict[str, Any]


async def frame_for(
    client_id: str, event: dict[str, Any], secret: str | None, *, db: DatabaseDep
) -> dict[str, Any] | None:
    """A hub event in the seed's words; `secret` is the owner desktop socket's."""
    if event.get("event") == qr.CODE_REQUIRED:
        return {"op": NEW_DEVICE.format(event.get("sent_to") or "")}
    if event.get("event") == qr.APPROVED:
        payload = None
        if secret is not None:
            async with db.unit_of_work() as session:
                payload = await discord_qr.issue_user_payload(
                    session, client_id, int(event["ticket_id"]), secret
                )
        return {"op": SUCCESS, "user_payload": payload or ""}
    return None


async def qr_auth_socket(
    websocket: WebSocket,
    client_id: Annotated[str, Query(min_length=1, max_length=128, pattern=NO_NUL)],
    client_ip: Annotated[str, Query(min_length=1, max_length=45, pattern=NO_NUL)],
    client_type: Annotated[Literal["pc", "mb"], Query()],
    settings: SettingsDep,
    db: DatabaseDep,
    limiter: LimiterDep,
    mailer: MailerDep,
) -> None:
    outgoing: asyncio.Queue[dict[str, Any] | object] = asyncio.Queue()
    secret = None
    if client_type == "pc":  # the claim is held before the desktop learns it is connected
        try:
            async with db.unit_of_work() as session:
                secret = await discord_qr.open_hub(session, client_id, settings=settings)
        except ParleyError as exc:
            await websocket.accept()
            await websocket.send_json({"op": "error", "detail": exc.message})
            await websocket.close(1008)
            return
    await websocket.accept()
    outgoing.put_nowait({"op": f"connected type: {client_type}"})  # the original's greeting

    async def to_frame(event: dict[str, Any]) -> dict[str, Any] | None:
        return await frame_for(client_id, event, secret, db=db)

    user_agent = websocket.headers.get("user-agent") if client_type == "pc" else None
    # The hub only queues its events: each socket turns them into frames in its own task, so
    # one socket closing never cuts short what another one is told.
    async with get_hub(websocket).join(client_id, lambda event: outgoing.put_nowait(_Heard(event))):
        tasks = [
            asyncio.create_task(
                _read(
                    websocket,
                    outgoing,
                    client_id,
                    client_ip,
                    user_agent,
                    settings=settings,
                    db=db,
                    limiter=limiter,
                    mailer=mailer,
                )
            )
        ]
        if secret is not None:
            tasks.append(
                asyncio.create_task(_keep(outgoing, client_id, secret, settings=settings, db=db))
            )
        try:
            await _write(websocket, outgoing, tasks[0], to_frame)
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                    await task
            if secret is not None:
                async with db.unit_of_work() as session:
                    await discord_qr.close_hub(session, client_id, secret)


async def _keep(
    outgoing: asyncio.Queue[dict[str, Any] | object],
    client_id: str,
    secret: str,
    *,
    settings: SettingsDep,
    db: DatabaseDep,
) -> None:
    """Renew the desktop's hub claim while the socket lives (a third of its lifetime)."""
    while True:
        await asyncio.sleep(settings.qr_ticket_ttl_seconds / 3)
        async with db.unit_of_work() as session:
            kept = await discord_qr.keep_hub(session, client_id, secret, settings=settings)
        if not kept:
            outgoing.put_nowait({"op": "error", "detail": "This QR login expired"})
            outgoing.put_nowait(_DONE)
            return


async def _write(
    websocket: WebSocket,
    outgoing: asyncio.Queue[dict[str, Any] | object],
    reader: asyncio.Task[None],
    to_frame: Callable[[dict[str, Any]], Awaitable[dict[str, Any] | None]],
) -> None:
    while True:
        getter = asyncio.create_task(outgoing.get())
        done, _ = await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
        if getter not in done:  # the client went away
            getter.cancel()
            return
        frame = getter.result()
        if isinstance(frame, _Heard):
            frame = await to_frame(frame.event)
            if frame is None:
                continue
        if frame is _DONE or not isinstance(frame, dict):
            return
        try:
            await websocket.send_json(frame)
            if frame.get("op") == SUCCESS:
                await websocket.close(1000)
                return
        except (WebSocketDisconnect, RuntimeError):
            return


async def _read(
    websocket: WebSocket,
    outgoing: asyncio.Queue[dict[str, Any] | object],
    client_id: str,
    client_ip: str,
    user_agent: str | None,
    *,
    settings: SettingsDep,
    db: DatabaseDep,
    limiter: LimiterDep,
    mailer: MailerDep,
) -> None:
    while True:
        try:
            message = await websocket.receive_json()
        except (WebSocketDisconnect, RuntimeError):
            outgoing.put_nowait(_DONE)
            return
        except ValueError:
            outgoing.put_nowait({"op": "error", "detail": "Frames are JSON objects"})
            continue
        op = message.get("op") if isinstance(message, dict) else None
        if op == "heartbeat":
            outgoing.put_nowait({"op": "heartbeat_ack"})
            continue
        try:
            async with db.unit_of_work() as session:
                if op == "pending_ticket":
                    await discord_qr.pending_ticket(
                        session,
                        client_id=client_id,
                        client_ip=client_ip,
                        encrypted_user_payload=_text(message, "encrypted_user_payload"),
                        user_agent=user_agent,
                        settings=settings,
                        limiter=limiter,
                        mailer=mailer,
                    )
                elif op == "pending_ticket_confirmation":
                    await discord_qr.pending_ticket_confirmation(
                        session,
                        client_id=client_id,
                        confirmation_code=_text(message, "confirmation_code"),
                        settings=settings,
                    )
                else:
                    outgoing.put_nowait({"op": "error", "detail": f"Unknown op: {op!s:.40}"})
        except ParleyError as exc:
            outgoing.put_nowait({"op": "error", "detail": exc.message})


def _text(message: dict[str, Any], name: str) -> str:
    value = message.get(name)
    if not isinstance(value, str) or not value or len(value) > 4096:
        raise Invalid(f"{name} is required")
    return value


# Both slash forms, served directly (the kit does this for HTTP routes only).
for _path in ("/auth_events/qr_auth/", "/auth_events/qr_auth"):
    router.add_api_websocket_route(_path, qr_auth_socket)
