"""What every dialect shares: both slash forms of each path, and errors in the seed's style.

A dialect builds its router with `dialect_router(render)`. Every route is registered as
written and with its trailing slash toggled (the second form hidden from OpenAPI), so
clients get an answer on either form without a redirect. `render` turns a domain error, a
validation error or an HTTP error into the seed's error body; it runs for every route of
that router only, so the native error model stays untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from parley.errors import ParleyError

Renderer = Callable[[Exception], Response]
Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def _route_class(render: Renderer) -> type[APIRoute]:
    class DialectRoute(APIRoute):
        # The app's handler for database outages renders them in the dialect's style too.
        dialect_render = staticmethod(render)

        def get_route_handler(self) -> Handler:
            handler = super().get_route_handler()

            async def handle(request: Request) -> Response:
                try:
                    return await handler(request)
                except (ParleyError, RequestValidationError, HTTPException) as exc:
                    return render(exc)

            return handle

    return DialectRoute


class DialectRouter(APIRouter):
    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().add_api_route(path, endpoint, **kwargs)
        other = path[:-1] if path.endswith("/") else f"{path}/"
        if other and other != path:
            kwargs = {**kwargs, "include_in_schema": False}
            if kwargs.get("operation_id"):
                kwargs["operation_id"] = f"{kwargs['operation_id']}_alt"
            super().add_api_route(other, endpoint, **kwargs)


def dialect_error(request: Request, exc: ParleyError) -> Response | None:
    """`exc` rendered by the dialect whose route matched `request`; None for other routes."""
    render: Renderer | None = getattr(request.scope.get("route"), "dialect_render", None)
    return render(exc) if render is not None else None


def dialect_router(render: Renderer, *, tag: str) -> DialectRouter:
    return DialectRouter(route_class=_route_class(render), tags=[tag])


def status_of(exc: Exception) -> int:
    if isinstance(exc, ParleyError):
        return exc.status
    if isinstance(exc, HTTPException):
        return exc.status_code
    return 422


def message_of(exc: Exception) -> str:
    if isinstance(exc, ParleyError):
        return exc.message
    if isinstance(exc, HTTPException):
        return str(exc.detail)
    if isinstance(exc, RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
        return f"{where}: {first.get('msg', 'invalid')}" if where else "Invalid request"
    return "Error"
