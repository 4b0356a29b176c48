"""Request-scoped dependencies every surface shares: the unit of work, the client, and one
dependency per foundation collaborator (domains add theirs in their own `deps.py`).

Each reads `app.state.runtime`, set by `create_app`; the attribute is untyped here, so this
module knows the collaborators' classes and not the runtime that bundles them. They are
`async def` on purpose: a sync dependency costs a hop to a worker thread.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Annotated

import anyio
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from parley.db import Database
from parley.infra.bus import Bus
from parley.infra.geoip import GeoIP
from parley.infra.mailer import Mailer
from parley.infra.ratelimit import RateLimiter
from parley.infra.storage import Storage
from parley.kit.client import ClientInfo, client_info
from parley.settings import Settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed before the response is sent."""
    db: Database = request.app.state.runtime.db
    async with db.unit_of_work() as session:
        yield session


Session = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_client(request: Request) -> ClientInfo:
    runtime = request.app.state.runtime
    info = client_info(request, runtime.settings.trusted_proxy_list)
    geoip: GeoIP | None = runtime.geoip
    if geoip is not None and info.ip:
        return replace(info, country=geoip.country(info.ip))
    return info


Client = Annotated[ClientInfo, Depends(get_client)]


async def get_app_settings(conn: HTTPConnection) -> Settings:
    settings: Settings = conn.app.state.runtime.settings
    return settings


async def get_database(conn: HTTPConnection) -> Database:
    db: Database = conn.app.state.runtime.db
    return db


async def get_bus(conn: HTTPConnection) -> Bus:
    bus: Bus = conn.app.state.runtime.bus
    return bus


async def get_limiter(conn: HTTPConnection) -> RateLimiter:
    limiter: RateLimiter = conn.app.state.runtime.limiter
    return limiter


async def get_mailer(conn: HTTPConnection) -> Mailer:
    mailer: Mailer = conn.app.state.runtime.mailer
    return mailer


async def get_storage(conn: HTTPConnection) -> Storage:
    storage: Storage = conn.app.state.runtime.storage
    return storage


async def get_geoip(conn: HTTPConnection) -> GeoIP | None:
    geoip: GeoIP | None = conn.app.state.runtime.geoip
    return geoip


async def get_image_decoding(conn: HTTPConnection) -> anyio.CapacityLimiter:
    """How many images may be decoded at once (Pillow holds a decoded image in memory)."""
    limiter: anyio.CapacityLimiter = conn.app.state.runtime.image_decoding
    return limiter


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
BusDep = Annotated[Bus, Depends(get_bus)]
LimiterDep = Annotated[RateLimiter, Depends(get_limiter)]
MailerDep = Annotated[Mailer, Depends(get_mailer)]
StorageDep = Annotated[Storage, Depends(get_storage)]
GeoIPDep = Annotated[GeoIP | None, Depends(get_geoip)]
ImageDecodingDep = Annotated[anyio.CapacityLimiter, Depends(get_image_decoding)]
