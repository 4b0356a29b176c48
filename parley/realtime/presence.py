"""Who is online: presence-enabled gateway sessions per user, on every instance.

A user is online while at least one of their gateway sessions that did not opt out of
presence is attached to a socket. Transitions (first such session attached, last one gone)
publish `presence.updated` to the user's friends.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from parley.infra import redis_client
from parley.settings import Settings

# Each entry expires unless its holder refreshes it (on heartbeats), so sessions of an
# instance that died stop counting.
_ADD = """
local now = tonumber(ARGV[2])
local entries = redis.call('HGETALL', KEYS[1])
local before = 0
for i = 1, #entries, 2 do
  if tonumber(entries[i + 1]) <= now then
    redis.call('HDEL', KEYS[1], entries[i])
  elseif entries[i] ~= ARGV[1] then
    before = before + 1
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return before
"""

_REMOVE = """
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return -1 end
local now = tonumber(ARGV[2])
local entries = redis.call('HGETALL', KEYS[1])
local left = 0
for i = 1, #entries, 2 do
  if tonumber(entries[i + 1]) <= now then
    redis.call('HDEL', KEYS[1], entries[i])
  else
    left = left + 1
  end
end
return left
"""


class Presence:
    async def connected(self, user_id: int, session_id: str) -> bool:
        """Count the session; True when the user just came online."""
        raise NotImplementedError

    async def disconnected(self, user_id: int, session_id: str) -> bool:
        """Stop counting the session; True when the user just went offline."""
        raise NotImplementedError

    async def online(self, user_ids: Sequence[int]) -> set[int]:
        """Those of `user_ids` who are online now."""
        raise NotImplementedError

    async def refresh(self, user_id: int, session_id: str) -> None:  # noqa: ARG002
        """Extend the session's lease (Redis entries expire unless refreshed)."""
        return None

    async def close(self) -> None:
        return None


class MemoryPresence(Presence):
    def __init__(self) -> None:
        self._sessions: dict[int, set[str]] = {}

    async def connected(self, user_id: int, session_id: str) -> bool:
        sessions = self._sessions.setdefault(user_id, set())
        was_online = bool(sessions)
        sessions.add(session_id)
        return not was_online

    async def disconnected(self, user_id: int, session_id: str) -> bool:
        sessions = self._sessions.get(user_id)
        if not sessions or session_id not in sessions:
            return False
        sessions.discard(session_id)
        if sessions:
            return False
        del self._sessions[user_id]
        return True

    async def online(self, user_ids: Sequence[int]) -> set[int]:
        return {uid for uid in user_ids if self._sessions.get(uid)}


class RedisPresence(Presence):
    def __init__(self, url: str, prefix: str, lease_seconds: float) -> None:
        self._redis = redis_client.connect(url)
        self._breaker = redis_client.Breaker()
        self.prefix = prefix
        self.lease_ms = int(lease_seconds * 1000)
        self._add = self._redis.register_script(_ADD)
        self._remove = self._redis.register_script(_REMOVE)

    def _key(self, user_id: int) -> str:
        return f"{self.prefix}:presence:{user_id}"

    async def connected(self, user_id: int, session_id: str) -> bool:
        now = int(time.time() * 1000)
        async with self._breaker():
            before = await self._add(
                keys=[self._key(user_id)],
                args=[session_id, now, now + self.lease_ms, self.lease_ms],
            )
        return int(before) == 0

    async def refresh(self, user_id: int, session_id: str) -> None:
        await self.connected(user_id, session_id)

    async def disconnected(self, user_id: int, session_id: str) -> bool:
        now = int(time.time() * 1000)
        async with self._breaker():
            left = await self._remove(keys=[self._key(user_id)], args=[session_id, now])
        return int(left) == 0

    async def online(self, user_ids: Sequence[int]) -> set[int]:
        """One round trip: every user's session leases, online when one is unexpired."""
        if not user_ids:
            return set()
        now = int(time.time() * 1000)
        async with self._breaker():
            pipe = self._redis.pipeline(transaction=False)
            for uid in user_ids:
                pipe.hvals(self._key(uid))
            leases = await pipe.execute()
        return {
            uid
            for uid, values in zip(user_ids, leases, strict=True)
            if any(int(v) > now for v in values)
        }

    async def close(self) -> None:
        await self._redis.aclose()


def make_presence(settings: Settings) -> Presence:
    """Redis when one is configured (leases of three heartbeats), else this instance's memory."""
    if settings.redis_url:
        lease = 3 * settings.gateway_heartbeat_ms / 1000
        return RedisPresence(settings.redis_url, settings.redis_prefix, lease)
    return MemoryPresence()
