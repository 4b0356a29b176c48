"""Per-gateway-session replay buffers: in memory, or in Redis when several instances run.

A gateway session's sequence numbers are assigned where its buffer lives, so a client that
resumes on another instance continues the same sequence. Appends are idempotent per bus
event id: every instance that knows a session appends the events it receives, and a
duplicate append returns the sequence number given the first time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from parley.infra import redis_client
from parley.kit.time import clock
from parley.settings import Settings


@dataclass(frozen=True, slots=True)
class Claimed:
    user_id: int
    presence: bool
    seq: int  # the last sequence number assigned
    frames: list[bytes]  # the buffered frames, oldest first, ending with `seq`


class ReplayStore:
    async def create(self, session_id: str, user_id: int, *, presence: bool) -> None:
        raise NotImplementedError

    async def append(
        self, event_id: str, prefix: bytes, attached: Sequence[str], detached: Sequence[str]
    ) -> list[int]:
        """Number and buffer one event (`prefix`: its DISPATCH frame up to `"s":`, see
        `events.dispatch_prefix`) for the sessions attached to a socket here, then for the
        detached ones: their sequence numbers in that order, -1 for a session that no longer
        exists."""
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

    async def append(
        self,
        event_id: str,  # noqa: ARG002 (one process appends each event once)
        prefix: bytes,
        attached: Sequence[str],
        detached: Sequence[str],
    ) -> list[int]:
        seqs: list[int] = []
        for session_id in (*attached, *detached):
            buf = self._get(session_id)
            if buf is None:
                seqs.append(-1)
                continue
            buf.seq += 1
            buf.frames.append(prefix + str(buf.seq).encode() + b"}")
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


# One call appends one event to many sessions. ARGV: the event id, its frame prefix, the buffer
# size, the key prefix, the attached TTL, the quiet time, how many sessions are attached here,
# then the session ids, attached ones first. The keys are named here from the session ids (one
# argument per session instead of three keys); a call spans many sessions' hash slots anyway.
# Trimming waits until a buffer is full, and an attached session's TTL is renewed only once it
# fell under the quiet time: most appends cost five or six commands per session, not eleven.
# The answer is one string ("3,-1,7"): parsing a long reply array costs redis-py more.
_APPEND = """
local event, prefix, n, base = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local ttl, quiet, live = tonumber(ARGV[5]), tonumber(ARGV[6]), 8 + tonumber(ARGV[7])
local out = {}
for i = 8, #ARGV do
  local key = base .. ARGV[i] .. '}:'
  local meta, seq = key .. 'meta', -1
  if redis.call('EXISTS', meta) == 1 then
    local ids = key .. 'ids'
    local seen = redis.call('ZSCORE', ids, event)
    if seen then
      seq = tonumber(seen)
    else
      local buf = key .. 'buf'
      seq = redis.call('HINCRBY', meta, 'seq', 1)
      local len = redis.call('RPUSH', buf, prefix .. seq .. '}')
      redis.call('ZADD', ids, seq, event)
      if len > n then
        redis.call('LTRIM', buf, -n, -1)
        redis.call('ZREMRANGEBYRANK', ids, 0, -n - 1)
      end
      -- A new buffer takes the session's lifetime: the attached TTL, or what is left of a
      -- detached session's resume window.
      local expire = 0
      if i < live then
        if len == 1 or redis.call('PTTL', meta) < quiet then expire = ttl end
      elseif len == 1 then
        expire = redis.call('PTTL', meta)
      end
      if expire > 0 then
        redis.call('PEXPIRE', meta, expire)
        redis.call('PEXPIRE', buf, expire)
        redis.call('PEXPIRE', ids, expire)
      end
    end
  end
  out[#out + 1] = seq
end
return table.concat(out, ',')
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

# An attached session's keys live at least a day without traffic, being renewed to 25 hours
# once under 24 (a crashed instance's sessions eventually vanish); a detached one's only for
# the resume window.
_QUIET_MS = 24 * 3600 * 1000
_ATTACHED_TTL_MS = _QUIET_MS + 3600 * 1000
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

    async def append(
        self, event_id: str, prefix: bytes, attached: Sequence[str], detached: Sequence[str]
    ) -> list[int]:
        session_ids = [*attached, *detached]
        base = f"{self.prefix}:gw:{{"
        seqs: list[int] = []
        # Batches keep each script run short.
        for start in range(0, len(session_ids), _BATCH):
            batch = session_ids[start : start + _BATCH]
            live = max(0, min(len(batch), len(attached) - start))
            args: list[bytes | str | int] = [
                *(event_id, prefix, self.size, base, _ATTACHED_TTL_MS, _QUIET_MS, live),
                *batch,
            ]
            async with self._breaker():
                result: bytes = await self._append(args=args)
            seqs.extend(int(seq) for seq in result.split(b","))
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


def make_replay_store(settings: Settings) -> ReplayStore:
    """Redis when one is configured (every instance resumes every session), else memory."""
    if settings.redis_url:
        return RedisReplayStore(
            settings.redis_url,
            settings.redis_prefix,
            settings.gateway_buffer_size,
            settings.gateway_resume_seconds,
        )
    return MemoryReplayStore(settings.gateway_buffer_size, settings.gateway_resume_seconds)
