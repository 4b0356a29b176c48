"""Wire vocabulary of the gateway: op codes, close codes, dispatch names and frames.

The dispatch names come from the typed events (`parley.events`): a bus topic reaches gateway
clients when its event model names a dispatch."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import orjson

from parley.events import DISPATCH_NAMES

__all__ = ["DISPATCH_NAMES", "Close", "Op", "dispatch_prefix", "finish", "frame"]


class Op(IntEnum):
    """Op codes, numbered as in Discord's gateway."""

    DISPATCH = 0  # server -> client: an event (`t`, `d`, `s`)
    HEARTBEAT = 1  # both ways: client sends every heartbeat_interval, `d` = last seq seen
    IDENTIFY = 2  # client -> server: {"token", "presence"?}
    RESUME = 6  # client -> server: {"token", "session_id", "seq"}
    RECONNECT = 7  # server -> client: the instance is going away; reconnect and RESUME
    INVALID_SESSION = 9  # server -> client: cannot resume; IDENTIFY again and refetch
    HELLO = 10  # server -> client: {"heartbeat_interval": ms}
    HEARTBEAT_ACK = 11  # server -> client


class Close(IntEnum):
    """Close codes the gateway uses (4xxx are ours; 1012 means "reconnect and resume")."""

    UNKNOWN_ERROR = 4000
    UNKNOWN_OPCODE = 4001
    DECODE_ERROR = 4002  # not JSON, not an object, or fields of the wrong shape
    NOT_AUTHENTICATED = 4003  # a frame other than IDENTIFY/RESUME/HEARTBEAT before READY
    AUTHENTICATION_FAILED = 4004
    ALREADY_AUTHENTICATED = 4005
    RATE_LIMITED = 4008
    SESSION_TIMED_OUT = 4009  # missed heartbeats (or no IDENTIFY in time)
    PAYLOAD_TOO_LARGE = 4010  # an inbound frame over the cap (4 KiB)
    SESSION_REVOKED = 4011  # the sign-in session was revoked (logout, password change, admin)
    SESSION_REPLACED = 4012  # the gateway session was resumed on another connection
    SLOW_CONSUMER = 4013  # the client does not read its events fast enough
    SERVICE_RESTART = 1012  # sent after RECONNECT


def frame(op: Op, d: Any = None) -> str:
    return orjson.dumps({"op": int(op), "d": d}).decode()


def dispatch_prefix(name: str, data: Any) -> bytes:
    """A DISPATCH frame without its sequence number: append `<seq>}` to finish it."""
    return b'{"op":0,"t":"' + name.encode() + b'","d":' + orjson.dumps(data) + b',"s":'


def finish(prefix: str, seq: int) -> str:
    """The frame of dispatch `seq` from its prefix, decoded once for every recipient."""
    return f"{prefix}{seq}}}"
