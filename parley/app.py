"""The application factory."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware

from parley import events
from parley.access.router import router as access_router
from parley.accounts.router import register_router
from parley.accounts.router import router as accounts_router
from parley.admin.router import router as admin_console_router
from parley.db import is_database_outage, is_transient_conflict
from parley.deps import DatabaseDep
from parley.dialects import mount_dialects
from parley.dialects.kit import dialect_error
from parley.errors import Unavailable
from parley.identity.devices.router import router as device_router
from parley.identity.passkeys.router import router as passkeys_router
from parley.identity.qr.router import router as qr_router
from parley.identity.recovery.router import router as recovery_router
from parley.identity.sessions.deps import KeyRingDep
from parley.identity.sessions.router import router as identity_router
from parley.identity.twofactor.router import router as twofactor_router
from parley.infra.media import router as media_router
from parley.kit.body import RequestBodyMiddleware
from parley.kit.client import client_ip
from parley.kit.headers import SecurityHeadersMiddleware
from parley.kit.metrics import exposition
from parley.kit.routing import index_routes
from parley.messaging import attachments
from parley.messaging.attachment_router import router as attachment_router
from parley.messaging.message_router import router as message_router
from parley.messaging.router import keys_router as messaging_keys_router
from parley.messaging.router import router as messaging_router
from parley.moderation.router import admin as moderation_admin_router
from parley.moderation.router import router as moderation_router
from parley.native.errors import error_response, http_error_response, install_native_errors
from parley.notifications.delivery import Notifier
from parley.notifications.router import router as notifications_router
from parley.observability import RequestMiddleware, configure_logging, current_request_id
from parley.oidc.cors import ProviderCors
from parley.oidc.router import native_router as oidc_native_router
from parley.oidc.router import router as oidc_router
from parley.profiles.router import router as profiles_router
from parley.providers.router import router as providers_router
from parley.realtime.gateway import router as gateway_router
from parley.realtime.hub import Hub
from parley.realtime.presence import make_presence
from parley.realtime.store import make_replay_store
from parley.runtime import build_runtime
from parley.settings import Settings, get_settings
from parley.social.router import router as social_router
from parley.web.router import mount_web

log = logging.getLogger("parley.app")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_format)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = build_runtime(settings)
        app.state.runtime = runtime
        hub = app.state.hub = Hub(
            settings=settings,
            bus=runtime.bus,
            db=runtime.db,
            store=make_replay_store(settings),
            presence=make_presence(settings),
        )
        hub.subscribe()
        runtime.bus.subscribe(events.AttachmentPurged.topic, attachments.purger(runtime.storage))
        notifier = app.state.notifier = Notifier(runtime.db, settings, hub.presence)
        notifier.subscribe(runtime.bus)
        await runtime.start()
        await hub.start()
        await notifier.start()
        # Everything built so far lives as long as the process: keep it out of the cyclic
        # collector's full passes, which otherwise stall every request on a large heap.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await notifier.stop()
            await hub.stop()
            await runtime.stop()

    app = FastAPI(
        title="Parley",
        version="0.1.0",
        summary="A self-hostable chat platform with its own identity service.",
        lifespan=lifespan,
        docs_url=None,  # the web client serves /docs and /redoc from local files
        redoc_url=None,
        openapi_url="/openapi.json" if settings.docs_enabled else None,
    )
    app.add_middleware(
        RequestBodyMiddleware,
        max_bytes=settings.body_max_bytes,
        setting=lambda name: int(getattr(settings, name)),
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestMiddleware)
    if settings.cors_origin_list:  # inside ProviderCors: the OIDC endpoints stay open to all
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["x-request-id"],
            max_age=3600,
        )
    app.add_middleware(ProviderCors)
    install_native_errors(app)
    # Database errors are answered by the exception middleware (4xx/503, not re-raised);
    # anything else reaches the server-error middleware as a logged 500.
    for database_error in (DBAPIError, PoolTimeout, ConnectionError, OSError):
        app.add_exception_handler(database_error, _on_unexpected)
    app.add_exception_handler(Exception, _on_unexpected)
    app.add_exception_handler(StarletteHTTPException, _on_http)

    v1 = APIRouter(prefix="/v1")
    v1.include_router(register_router)
    v1.include_router(identity_router)
    v1.include_router(device_router)
    v1.include_router(twofactor_router)
    v1.include_router(passkeys_router)
    v1.include_router(recovery_router)
    v1.include_router(qr_router)
    v1.include_router(access_router)
    v1.include_router(profiles_router)
    v1.include_router(providers_router)
    v1.include_router(social_router)
    v1.include_router(messaging_router)
    v1.include_router(message_router)
    v1.include_router(attachment_router)
    v1.include_router(moderation_router)
    v1.include_router(moderation_admin_router)
    v1.include_router(admin_console_router)
    v1.include_router(accounts_router)
    v1.include_router(notifications_router)
    v1.include_router(messaging_keys_router)
    v1.include_router(oidc_native_router)
    v1.include_router(_ops_router())
    v1.include_router(gateway_router)
    app.include_router(v1)
    app.include_router(_well_known_router(settings))
    app.include_router(oidc_router)
    app.include_router(media_router)
    mount_dialects(app, settings)
    mount_web(app, docs=settings.docs_enabled)
    index_routes(app.router)
    return app


def _ops_router() -> APIRouter:
    router = APIRouter(tags=["ops"])

    @router.get("/health/live")
    async def live() -> dict[str, str]:
        """Liveness only: the process answers (no database)."""
        return {"status": "ok"}

    @router.get("/health")
    async def health(db: DatabaseDep) -> dict[str, Any]:
        """Liveness and a database round trip."""
        async with db.sessionmaker() as session:
            await session.execute(text("SELECT 1"))
        return {"status": "ok", "database": "ok"}

    return router


def _well_known_router(settings: Settings) -> APIRouter:
    router = APIRouter(tags=["ops"])

    @router.get("/.well-known/jwks.json")
    async def jwks(keyring: KeyRingDep) -> dict[str, Any]:
        """Public keys that verify Parley's access tokens (EdDSA)."""
        return keyring.jwks()

    if settings.metrics_enabled and settings.metrics_port is None:
        networks = settings.metrics_networks

        @router.get("/metrics", include_in_schema=False)
        async def metrics(request: Request) -> Response:
            if not _in_networks(client_ip(request, settings.trusted_proxy_list), networks):
                raise StarletteHTTPException(404, "Not Found")
            body, content_type = exposition()
            return Response(body, media_type=content_type)

    return router


def _in_networks(address: str | None, networks: list[IPv4Network | IPv6Network]) -> bool:
    try:
        ip = ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in networks)


async def _on_http(request: Request, exc: Exception) -> Response:
    """Routing errors (404, 405) and HTTPExceptions: in the dialect's style on a dialect path
    (a wrong method still matches the route by path), else the native one."""
    assert isinstance(exc, StarletteHTTPException)
    return dialect_error(request, exc) or http_error_response(exc)


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    request_id = current_request_id()
    refused = _refused_value(exc)
    if refused is not None:
        return error_response(400, "invalid_value", refused)
    if is_database_outage(exc):
        log.warning("database unavailable", extra={"request_id": request_id})
        return _unavailable(
            request, "database_unavailable", "The database is unavailable; try again shortly", 2
        )
    if is_transient_conflict(exc):
        # The request's transaction was rolled back whole, so sending it again is safe; a
        # retry here could not be (the handler may have had effects outside the database).
        # Still logged: a deadlock usually means two writers lock rows in opposite orders.
        sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
        log.warning(
            "transaction aborted by a concurrent one",
            extra={"request_id": request_id, "sqlstate": sqlstate},
        )
        return _unavailable(
            request, "transaction_conflict", "A concurrent change got in the way; try again", 1
        )
    log.error("unhandled error", exc_info=exc, extra={"request_id": request_id})
    return error_response(500, "internal_error", "Internal error", request_id=request_id)


def _unavailable(request: Request, code: str, message: str, retry_after: int) -> Response:
    """503 with `Retry-After`, in the matched dialect's error style or the native one."""
    headers = {"Retry-After": str(retry_after)}
    dialect = dialect_error(request, Unavailable(message))
    if dialect is not None:
        dialect.headers.update(headers)
        return dialect
    return error_response(503, code, message, headers)


# Values the database refuses that no validator caught: still the client's fault, not ours.
_REFUSED_SQLSTATES = {
    "22021": "Text must not contain NUL characters",
    "22003": "A number is out of range",
    "22P05": "Text contains a character the database cannot store",
    "22P02": "A value has an invalid text representation",
}


def _refused_value(exc: Exception) -> str | None:
    if not isinstance(exc, DBAPIError):
        return None
    return _REFUSED_SQLSTATES.get(str(getattr(exc.orig, "sqlstate", "")))
