"""argon2id hashing, always off the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from parley.settings import Settings

T = TypeVar("T")


def _lower_priority() -> None:
    # On Linux `setpriority` on a thread id nices only that thread: hashing then uses the
    # CPU the event loop leaves idle, so a login flood does not stall other requests.
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


# One hash per core at most; further logins queue here instead of taking every thread.
_EXECUTOR = ThreadPoolExecutor(
    max_workers=os.cpu_count() or 2, thread_name_prefix="parley-hash", initializer=_lower_priority
)


async def _off_loop(func: Callable[..., T], *args: str) -> T:
    return await asyncio.get_running_loop().run_in_executor(_EXECUTOR, partial(func, *args))


class Passwords:
    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        return await _off_loop(self._hasher.hash, password)

    async def verify(self, stored: str | None, password: str) -> bool:
        """Constant work whether or not the account has a password."""
        if stored is None:
            stored = await self._dummy_hash()
            await _off_loop(self._check, stored, password)
            return False
        return await _off_loop(self._check, stored, password)

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
