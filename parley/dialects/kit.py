"""What every dialect shares: both slash forms of each path, errors in the seed's style, and
the user's fields every dialect shows.

A dialect builds its router with `dialect_router(render)`. Every route is registered as
written and with its trailing slash toggled (the second form hidden from OpenAPI), so
clients get an answer on either form without a redirect. `render` turns a domain error, a
validation error or an HTTP error into the seed's error body; it runs for every route of
that router only, so the native error model stays untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from parley.errors import ParleyError

Renderer = Callable[[Exception], Response]
RENDERED = (ParleyError, RequestValidationError, HTTPException)


def _route_class(render: Renderer) -> type[APIRoute]:
    async def on_error(_request: Request, exc: Exception) -> Response:
        return render(exc)

    class DialectRoute(APIRoute):
        """Renders errors with the route's own handlers. They run where Starlette runs exception
        handlers, outside the dependencies' exit stacks, so the request's unit of work sees the
        error and rolls back (catching inside the endpoint would let it commit)."""

        # The app's handler for database outages renders them in the dialect's style too.
        dialect_render = staticmethod(render)

        async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
            handlers, _ = scope.get("starlette.exception_handlers", ({}, {}))
            ours = {
                kind: handler
                for kind, handler in handlers.items()
                if not (isinstance(kind, type) and issubclass(kind, RENDERED))
            }
            ours.update(dict.fromkeys(RENDERED, on_error))
            scope = {**scope, "starlette.exception_handlers": (ours, {})}
            await super().handle(scope, receive, send)

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


def dialect_error(request: Request, exc: ParleyError | HTTPException) -> Response | None:
    """`exc` rendered by the dialect whose route matched `request` (fully, or by path only,
    as for a wrong method); None for other routes. Errors raised before a dialect route's
    own handlers are in place reach the app's handlers, which ask here first."""
    render: Renderer | None = getattr(request.scope.get("route"), "dialect_render", None)
    if render is None:
        return None
    response = render(exc)
    if isinstance(exc, HTTPException) and exc.headers:
        response.headers.update(exc.headers)  # `Allow` with a 405
    return response


def error_responses(model: type[BaseModel], *codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the listed statuses and 503 (the database is unavailable),
    all with the dialect's error body."""
    return {code: {"model": model} for code in sorted({*codes, 503})}


def dialect_router(render: Renderer, *, tag: str) -> DialectRouter:
    return DialectRouter(route_class=_route_class(render), tags=[tag])


def status_of(exc: Exception) -> int:
    if isinstance(exc, ParleyError):
        return exc.status
    if isinstance(exc, HTTPException):
        return exc.status_code
    return 422


def encodable(value: Any) -> Any:
    """`value` (JSON-like) with any text that UTF-8 cannot carry (lone surrogates) replaced, so
    an error body that echoes the input can always be sent."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {encodable(k): encodable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encodable(item) for item in value]
    return value


def message_of(exc: Exception) -> str:
    if isinstance(exc, ParleyError):
        return exc.message
    if isinstance(exc, HTTPException):
        return str(exc.detail)
    if isinstance(exc, RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
        text = f"{where}: {first.get('msg', 'invalid')}" if where else "Invalid request"
        return str(encodable(text))
    return "Error"


class NamedUser(Protocol):
    """A Parley user as every dialect shows one (dialects do not import the model)."""

    @property
    def id(self) -> int: ...
    @property
    def username(self) -> str: ...
