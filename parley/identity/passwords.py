"""argon2id hashing, always off the event loop."""

from __future__ import annotations

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from parley.settings import Settings

# Password hashing is CPU-bound: at most this many hashes run at once, so a login flood
# queues instead of starving every other request of threads.
_LIMITER = anyio.CapacityLimiter(4)


class Passwords:
    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hasher.hash, password, limiter=_LIMITER)

    async def verify(self, stored: str | None, password: str) -> bool:
        """Constant work whether or not the account has a password."""
        if stored is None:
            stored = await self._dummy_hash()
            await anyio.to_thread.run_sync(self._check, stored, password, limiter=_LIMITER)
            return False
        return await anyio.to_thread.run_sync(self._check, stored, password, limiter=_LIMITER)

    def needs_rehash(self, stored: str) -> bool:
        return self._hasher.check_needs_rehash(stored)

    def _check(self, stored: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    async def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = await self.hash("parley-dummy-password")
        return self._dummy
