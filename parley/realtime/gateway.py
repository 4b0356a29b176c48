"""`/v1/gateway`: the realtime websocket (JSON frames, op codes modelled on Discord's)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import orjson
from fastapi import APIRouter, WebSocket

from parley.errors import NotFound, Unauthorized
from parley.identity.accounts import lookup
from parley.identity.sessions.schemas import UserMe
from parley.identity.sessions.tokens import Authenticator, Principal
from parley.kit import metrics
from parley.messaging.channels import list_channels
from parley.messaging.router import channel_read
from parley.realtime.connection import Connection, GatewaySession
from parley.realtime.events import Close, Op, frame
from parley.realtime.frames import FrameWindow
from parley.realtime.hub import Hub
from parley.social import service as social

log = logging.getLogger("parley.gateway")

router = APIRouter(tags=["gateway"])

READY_CHANNELS = 100  # READY carries the newest channels; the rest page in over REST


class _Protocol(Exception):
    """Close the socket with `code`."""

    def __init__(self, code: Close) -> None:
        super().__init__(code.name)
        self.code = code


async def gateway(ws: WebSocket) -> None:
    """The realtime gateway; see docs/gateway.md."""
    auth: Authenticator = ws.app.state.runtime.auth
    hub: Hub = ws.app.state.hub
    await ws.accept()
    conn = Connection(ws)
    if hub.closing:
        conn.push(frame(Op.RECONNECT))
        conn.close(Close.SERVICE_RESTART)
        await conn.finish()
        return
    metrics.GATEWAY_CONNECTIONS.inc()
    try:
        await _serve(auth, hub, conn, hub.frames.window() if hub.frames else None)
    except _Protocol as exc:
        conn.close(exc.code)
    except Exception:
        log.exception("gateway connection failed")
        conn.close(Close.UNKNOWN_ERROR)
    finally:
        if conn.session is not None:
            await hub.detach(conn.session, conn)
        await conn.finish()
        metrics.GATEWAY_CONNECTIONS.dec()


# A plain Starlette route: the endpoint needs no dependencies, and FastAPI's websocket route
# would keep its dependency scaffolding (two exit stacks, a solved-dependencies record with a
# response object) alive for as long as the socket is open. FastAPI prefixes only its own
# routes when a router is included, so this one carries its full path.
router.add_websocket_route("/v1/gateway", gateway)


async def _serve(
    auth: Authenticator, hub: Hub, conn: Connection, frames: FrameWindow | None
) -> None:
    settings = hub.settings
    interval = settings.gateway_heartbeat_ms / 1000
    cap = settings.gateway_max_frame_bytes
    conn.push(frame(Op.HELLO, {"heartbeat_interval": settings.gateway_heartbeat_ms}))
    deadline = time.monotonic() + interval * 1.5
    while not conn.closed:
        try:
            async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                message = await conn.ws.receive()
        except TimeoutError:
            raise _Protocol(Close.SESSION_TIMED_OUT) from None
        if message["type"] == "websocket.disconnect":
            return
        raw: str | bytes | None = message.get("text")
        if raw is None:
            raw = message.get("bytes") or b""
        size = len(raw.encode() if isinstance(raw, str) else raw)
        if size > cap:
            raise _Protocol(Close.PAYLOAD_TOO_LARGE)
        if frames is not None and not frames.hit():
            raise _Protocol(Close.RATE_LIMITED)
        op, d = _decode(raw)
        if op == Op.HEARTBEAT:
            deadline = time.monotonic() + interval * 1.5
            conn.push(frame(Op.HEARTBEAT_ACK))
            if conn.session is not None:
                await hub.heartbeat(conn.session)
        elif op in (Op.IDENTIFY, Op.RESUME):
            if conn.session is not None:
                raise _Protocol(Close.ALREADY_AUTHENTICATED)
            principal = await _authenticate(auth, d)
            if op == Op.IDENTIFY:
                await _identify(hub, conn, principal, d)
            else:
                await _resume(hub, conn, principal, d)
            deadline = time.monotonic() + interval * 1.5
        elif conn.session is None:
            raise _Protocol(Close.NOT_AUTHENTICATED)
        else:
            raise _Protocol(Close.UNKNOWN_OPCODE)


def _decode(raw: str | bytes) -> tuple[int, Any]:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _Protocol(Close.DECODE_ERROR) from None
    if not isinstance(data, dict) or type(data.get("op")) is not int:
        raise _Protocol(Close.DECODE_ERROR)
    return data["op"], data.get("d")


async def _authenticate(auth: Authenticator, d: Any) -> Principal:
    if not isinstance(d, dict) or not isinstance(d.get("token"), str):
        raise _Protocol(Close.DECODE_ERROR)
    try:
        return await auth.authenticate(d["token"])
    except Unauthorized:
        raise _Protocol(Close.AUTHENTICATION_FAILED) from None


async def _identify(hub: Hub, conn: Connection, principal: Principal, d: dict[str, Any]) -> None:
    presence = d.get("presence", True)
    if not isinstance(presence, bool):
        raise _Protocol(Close.DECODE_ERROR)
    async with hub.db.sessionmaker() as session:
        try:
            user = await lookup.get_live_user(session, principal.user_id)
        except NotFound:
            raise _Protocol(Close.AUTHENTICATION_FAILED) from None
        me = UserMe.model_validate(user).model_dump(mode="json")
        page = await list_channels(session, principal.user_id, limit=READY_CHANNELS)
        friends = await social.friend_ids(session, principal.user_id)
    channels = [channel_read(summary).model_dump(mode="json") for summary in page.items]
    # READY is queued before the session can receive events, so it is always the first.
    ready: dict[str, Any] = {
        "v": 1,
        "user": me,
        "channels": channels,
        "channels_next_cursor": page.next_cursor,
        "presences": await _presences(hub, friends),
    }
    gs = await hub.open(
        conn,
        principal.user_id,
        principal.session_id,
        presence=presence,
        first=lambda gs: _ready(gs, ready),
    )
    log.debug("gateway identify", extra={"user_id": gs.user_id})


async def _presences(hub: Hub, friend_ids: list[int]) -> list[dict[str, Any]]:
    """The friends online now (the others are offline); PRESENCE_UPDATE keeps it current.
    Presence is best effort: while its store is unreachable the snapshot is empty."""
    try:
        online = await hub.presence.online(friend_ids)
    except Exception:
        log.warning("presence store unavailable; READY without presences")
        return []
    return [{"user_id": uid, "status": "online"} for uid in friend_ids if uid in online]


def _ready(gs: GatewaySession, ready: dict[str, Any]) -> str:
    return orjson.dumps(
        {"op": Op.DISPATCH, "t": "READY", "s": None, "d": {**ready, "session_id": gs.id}}
    ).decode()


async def _resume(hub: Hub, conn: Connection, principal: Principal, d: dict[str, Any]) -> None:
    session_id, seq = d.get("session_id"), d.get("seq")
    if not isinstance(session_id, str) or type(seq) is not int or seq < 0 or len(session_id) > 64:
        raise _Protocol(Close.DECODE_ERROR)
    gs = await hub.resume(
        conn,
        principal.user_id,
        principal.session_id,
        session_id,
        seq,
        lambda gs: orjson.dumps(
            {"op": Op.DISPATCH, "t": "RESUMED", "s": None, "d": {"session_id": gs.id}}
        ).decode(),
    )
    if gs is None:
        conn.push(frame(Op.INVALID_SESSION, False))
