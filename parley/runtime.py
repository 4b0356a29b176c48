"""The process-wide collaborators services need, built once from settings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import anyio

from parley.db import Database
from parley.events import KeysRotated, SessionRevoked
from parley.identity.accounts.passwords import Passwords
from parley.identity.sessions.keys import KeyRing
from parley.identity.sessions.tokens import Authenticator, TokenSigner
from parley.infra.bus import LISTENER_GAP, Bus, Event, make_bus
from parley.infra.geoip import GeoIP
from parley.infra.mailer import Mailer, make_mailer
from parley.infra.ratelimit import RateLimiter
from parley.infra.storage import Storage, make_storage
from parley.kit.files import private_dir
from parley.messaging.writer import MessageWriter
from parley.providers.clients import ProviderClients
from parley.settings import Settings

T = TypeVar("T")


@dataclass
class Runtime:
    settings: Settings
    bus: Bus
    db: Database
    limiter: RateLimiter
    mailer: Mailer
    passwords: Passwords
    keyring: KeyRing
    signer: TokenSigner
    auth: Authenticator
    providers: ProviderClients
    storage: Storage
    messages: MessageWriter
    # image decoding threads at once (Pillow holds a decoded image in memory)
    image_decoding: anyio.CapacityLimiter
    geoip: GeoIP | None = None

    async def start(self) -> None:
        self.bus.subscribe(SessionRevoked.topic, self._on_session_revoked)
        self.bus.subscribe(KeysRotated.topic, self._on_keys_rotated)
        self.bus.subscribe(LISTENER_GAP, self._on_listener_gap)
        await self.bus.start()

    async def stop(self) -> None:
        await self.messages.close()
        await self.bus.stop()
        await self.providers.aclose()
        if self.geoip is not None:
            self.geoip.close()
        await self.db.dispose()

    async def _on_session_revoked(self, event: Event) -> None:
        for session_id in event.payload["session_ids"]:
            self.auth.forget_session(int(session_id))

    async def _on_keys_rotated(self, _event: Event) -> None:
        self.keyring.load(create=False)

    async def _on_listener_gap(self, _event: Event) -> None:
        """A revocation or a key rotation may have been missed: read both afresh."""
        self.auth.recheck_sessions()
        self.keyring.load(create=False)


def build_runtime(settings: Settings) -> Runtime:
    private_dir(settings.data_dir)
    bus = make_bus(settings.redis_url, settings.redis_prefix)
    db = Database(settings.database_url, bus)
    keyring = KeyRing(settings.keys_dir)
    keyring.load()
    signer = TokenSigner(keyring)
    return Runtime(
        settings=settings,
        bus=bus,
        db=db,
        limiter=RateLimiter(
            settings.redis_url, settings.redis_prefix, enabled=settings.rate_limits_enabled
        ),
        mailer=make_mailer(settings.mail_url, settings.mail_from, settings.data_dir),
        passwords=Passwords(settings),
        keyring=keyring,
        signer=signer,
        auth=Authenticator(signer, db.sessionmaker, settings.session_cache_seconds),
        providers=ProviderClients(settings),
        storage=make_storage(settings.storage_url, settings.data_dir, settings.public_url),
        image_decoding=anyio.CapacityLimiter(settings.image_decode_concurrency),
        messages=MessageWriter(db, settings),
        geoip=GeoIP(settings.geoip_db) if settings.geoip_db else None,
    )


def run_with_runtime(work: Callable[[Runtime], Awaitable[T]]) -> T:
    """For `parley` commands: run `work` against a runtime built from the environment (then
    stopped); a domain error is printed and exits 1."""
    from parley.kit.cli import run
    from parley.settings import get_settings

    async def main() -> T:
        runtime = build_runtime(get_settings())
        try:
            return await work(runtime)
        finally:
            await runtime.stop()

    return run(main)
