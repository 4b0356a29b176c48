"""Serves the web client at `/` (client routes fall back to `index.html`), its assets under
`/assets`, its service worker at `/sw.js`, and Swagger UI / ReDoc from local files at `/docs`
and `/redoc`.

Everything is a static file from the package: no build step, no CDN. Asset responses ask the
browser to revalidate (`no-cache` with an ETag), since module names carry no content hash."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

from parley.infra.storage import DirectStorage

STATIC = Path(__file__).parent / "static"

# Paths the client routes itself (History API). Anything else stays a 404 from the API or a
# dialect, so the client never shadows another surface.
CLIENT_ROUTES = (
    "/",
    "/signin",
    "/register",
    "/verify",
    "/forgot",
    "/reset",
    "/chat",
    "/chat/{channel_id}",
    "/friends",
    "/profile",
    "/security",
    "/keys",
    "/qr/{ticket}",
    "/authorize",
    "/wasnt-me/{token:path}",
    "/admin",
    "/admin/{section:path}",
)

# The policy the client is written for; the same one the security middleware sends.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
_PAGE_HEADERS = {"Cache-Control": "no-cache", "Content-Security-Policy": CSP}
# ReDoc (styled-components) writes <style> elements and starts a blob: worker; these two pages
# show only our own OpenAPI document, so they alone allow inline styles.
DOCS_CSP = (
    CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'") + "; worker-src blob:"
)
_DOCS_HEADERS = {"Cache-Control": "no-cache", "Content-Security-Policy": DOCS_CSP}


class _Assets(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.setdefault("Cache-Control", "no-cache")
        return response


def _page(name: str, headers: dict[str, str]) -> FileResponse:
    return FileResponse(STATIC / name, media_type="text/html", headers=headers)


def _page_headers(request: Request) -> dict[str, str]:
    """With S3 the client PUTs direct uploads to the bucket: its origin joins `connect-src`."""
    storage = request.app.state.runtime.storage
    if not isinstance(storage, DirectStorage):
        return _PAGE_HEADERS
    csp = CSP.replace("connect-src 'self'", f"connect-src 'self' {storage.upload_origin}")
    return {**_PAGE_HEADERS, "Content-Security-Policy": csp}


def _router(docs: bool) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    async def index(request: Request) -> FileResponse:
        return _page("index.html", _page_headers(request))

    for path in CLIENT_ROUTES:
        router.add_api_route(path, index, methods=["GET"])

    @router.get("/sw.js")
    async def service_worker(request: Request) -> FileResponse:
        # at the root, so its scope is the whole client (no Service-Worker-Allowed needed)
        headers = _page_headers(request)
        return FileResponse(STATIC / "sw.js", media_type="text/javascript", headers=headers)

    if not docs:
        return router

    @router.get("/docs")
    async def swagger() -> FileResponse:
        return _page("docs.html", _DOCS_HEADERS)

    @router.get("/redoc")
    async def redoc() -> FileResponse:
        return _page("redoc.html", _DOCS_HEADERS)

    return router


def mount_web(app: FastAPI, *, docs: bool = True) -> None:
    """Add the client's routes and assets, and with `docs` the API's pages at `/docs` and
    `/redoc`; the app must be built with `docs_url=None` and `redoc_url=None` (FastAPI's own
    pages load their scripts from a CDN)."""
    app.include_router(_router(docs))
    app.mount("/assets", _Assets(directory=STATIC), name="assets")
