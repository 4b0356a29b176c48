"""Per-gateway-session replay buffers: in memory, or in Redis when several instances run.

A gateway session's sequence numbers are assigned where its buffer lives, so a client that
resumes on another instance continues the same sequence. Appends are idempotent per bus
event id: every instance that knows a session appends the events it receives, and a
duplicate append returns the sequence number given the first time.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from parley.infra import redis_client
from parley.kit.time import clock


@dataclass(frozen=True, slots=True)
class Append:
    session_id: str
    event_id: str
    prefix: bytes  # a DISPATCH frame up to its `"s":` (see events.dispatch_prefix)


@dataclass(frozen=True, slots=True)
class Claimed:
    user_id: int
    presence: bool
    seq: int  # the last sequence number assigned
    frames: list[bytes]  # the buffered frames, oldest first, ending with `seq`


class ReplayStore:
    async def create(self, session_id: str, user_id: int, *, presence: bool) -> None:
        raise NotImplementedError

    async def append(self, items: list[Append], *, attached: bool) -> list[int]:
        """Sequence numbers, one per item; -1 when the session no longer exists.

        Every item of one call carries the same event (id and prefix).
        """
        raise NotImplementedError

    async def claim(self, session_id: str) -> Claimed | None:
        raise NotImplementedError

    async def detach(self, session_id: str) -> None:
        """Keep the session for the resume window only."""
        raise NotImplementedError

    async def drop(self, session_id: str) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        return None


@dataclass(slots=True)
class _Buffer:
    user_id: int
    presence: bool
    seq: int = 0
    frames: deque[bytes] = field(default_factory=deque)
    expires_at: float | None = None


class MemoryReplayStore(ReplayStore):
    def __init__(self, size: int, resume_seconds: float) -> None:
        self.size = size
        self.resume_seconds = resume_seconds
        self._buffers: dict[str, _Buffer] = {}

    def _get(self, session_id: str) -> _Buffer | None:
        buf = self._buffers.get(session_id)
        if buf and buf.expires_at is not None and buf.expires_at <= clock.timestamp():
            del self._buffers[session_id]
            return None
        return buf

    async def create(self, session_id: str, user_id: int, *, presence: bool) -> None:
        self._buffers[session_id] = _Buffer(user_id, presence, frames=deque(maxlen=self.size))

    async def append(self, items: list[Append], *, attached: bool) -> list[int]:  # noqa: ARG002
        seqs: list[int] = []
        for item in items:
            buf = self._get(item.session_id)
            if buf is None:
                seqs.append(-1)
                continue
            buf.seq += 1
            buf.frames.append(item.prefix + str(buf.seq).encode() + b"}")
            seqs.append(buf.seq)
        return seqs

    async def claim(self, session_id: str) -> Claimed | None:
        buf = self._get(session_id)
        if buf is None:
            return None
        buf.expires_at = None
        return Claimed(buf.user_id, buf.presence, buf.seq, list(buf.frames))

    async def detach(self, session_id: str) -> None:
        buf = self._buffers.get(session_id)
        if buf:
            buf.expires_at = clock.timestamp() + self.resume_seconds

    async def drop(self, session_id: str) -> None:
        self._buffers.pop(session_id, None)

    def sweep(self) -> None:
        for session_id in list(self._buffers):
            self._get(session_id)


# One call appends one event to many sessions: KEYS are (meta, buf, ids) per session.
_APPEND = """
local n = tonumber(ARGV[3])
local ttl_arg = tonumber(ARGV[4])
local out = {}
for i = 1, #KEYS, 3 do
  local meta, buf, ids = KEYS[i], KEYS[i + 1], KEYS[i + 2]
  local seq = -1
  if redis.call('EXISTS', meta) == 1 then
    local seen = redis.call('ZSCORE', ids, ARGV[1])
    if seen then
      seq = tonumber(seen)
    else
      seq = redis.call('HINCRBY', meta, 'seq', 1)
      redis.call('RPUSH', buf, ARGV[2] .. seq .. '}')
      redis.call('LTRIM', buf, -n, -1)
      redis.call('ZADD', ids, seq, ARGV[1])
      redis.call('ZREMRANGEBYRANK', ids, 0, -n - 1)
      local ttl = ttl_arg
      if ttl <= 0 then ttl = redis.call('PTTL', meta) end
      if ttl > 0 then
        redis.call('PEXPIRE', meta, ttl)
        redis.call('PEXPIRE', buf, ttl)
        redis.call('PEXPIRE', ids, ttl)
      end
    end
  end
  out[#out + 1] = seq
end
return out
"""

_CLAIM = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local ttl = tonumber(ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', KEYS[3], ttl)
return {redis.call('HGET', KEYS[1], 'user'), redis.call('HGET', KEYS[1], 'seq'),
        redis.call('LRANGE', KEYS[2], 0, -1), redis.call('HGET', KEYS[1], 'presence')}
"""

# An attached session's keys live this long without traffic (a crashed instance's sessions
# eventually vanish); a detached one's only for the resume window.
_ATTACHED_TTL_MS = 24 * 3600 * 1000
_BATCH = 1000


class RedisReplayStore(ReplayStore):
    def __init__(self, url: str, prefix: str, size: int, resume_seconds: float) -> None:
        self._redis = redis_client.connect(url)
        self._breaker = redis_client.Breaker()
        self.prefix = prefix
        self.size = size
        self.resume_ms = int(resume_seconds * 1000)
        self._append = self._redis.register_script(_APPEND)
        self._claim = self._redis.register_script(_CLAIM)

    def _keys(self, session_id: str) -> list[str]:
        base = f"{self.prefix}:gw:{{{session_id}}}"
        return [f"{base}:meta", f"{base}:buf", f"{base}:ids"]

    async def create(self, session_id: str, user_id: int, *, presence: bool) -> None:
        meta = self._keys(session_id)[0]
        async with self._breaker(), self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(meta, mapping={"user": user_id, "seq": 0, "presence": int(presence)})
            pipe.pexpire(meta, _ATTACHED_TTL_MS)
            await pipe.execute()

    async def append(self, items: list[Append], *, attached: bool) -> list[int]:
        if not items:
            return []
        ttl = _ATTACHED_TTL_MS if attached else 0
        seqs: list[int] = []
        # Items of one call share the event; batches keep each script run short.
        for start in range(0, len(items), _BATCH):
            batch = items[start : start + _BATCH]
            keys = [key for item in batch for key in self._keys(item.session_id)]
            first = batch[0]
            async with self._breaker():
                result: list[Any] = await self._append(
                    keys=keys, args=[first.event_id, first.prefix, self.size, ttl]
                )
            seqs.extend(int(r) for r in result)
        return seqs

    async def claim(self, session_id: str) -> Claimed | None:
        async with self._breaker():
            result = await self._claim(keys=self._keys(session_id), args=[_ATTACHED_TTL_MS])
        if not result:
            return None
        user, seq, frames, presence = result
        return Claimed(int(user), presence == b"1", int(seq), [bytes(f) for f in frames])

    async def detach(self, session_id: str) -> None:
        async with self._breaker(), self._redis.pipeline(transaction=True) as pipe:
            for key in self._keys(session_id):
                pipe.pexpire(key, self.resume_ms)
            await pipe.execute()

    async def drop(self, session_id: str) -> None:
        async with self._breaker():
            await self._redis.delete(*self._keys(session_id))

    async def close(self) -> None:
        await self._redis.aclose()
