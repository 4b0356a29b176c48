"""Request-scoped dependencies every surface shares."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from parley.identity.sessions.tokens import Principal
from parley.kit.client import ClientInfo, client_info
from parley.runtime import Runtime


def get_runtime(conn: HTTPConnection) -> Runtime:
    runtime: Runtime = conn.app.state.runtime
    return runtime


async def runtime_dependency(conn: HTTPConnection) -> Runtime:
    """`get_runtime` as a dependency: async, so FastAPI does not hop to a worker thread."""
    return get_runtime(conn)


RuntimeDep = Annotated[Runtime, Depends(runtime_dependency)]


async def authenticate(conn: HTTPConnection, token: str) -> Principal:
    """A token's principal, checked by the runtime's authenticator (no DB hit when cached)."""
    return await get_runtime(conn).auth.authenticate(token)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed before the response is sent."""
    async with get_runtime(request).db.unit_of_work() as session:
        yield session


Session = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_client(request: Request) -> ClientInfo:
    rt = get_runtime(request)
    info = client_info(request, rt.settings.trusted_proxy_list)
    if rt.geoip is not None and info.ip:
        return replace(info, country=rt.geoip.country(info.ip))
    return info


Client = Annotated[ClientInfo, Depends(get_client)]
