"""Route dispatch by path prefix.

Starlette matches a request against every route in order (about 300 here, each a regex), so
a route near the end pays for all the others. `index_routes` replaces the router's dispatch
with the same algorithm over only the routes that can match the request's first two path
segments, in their original order: the same route wins, at a fraction of the cost.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette._utils import get_route_path
from starlette.datastructures import URL
from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute, Match, Router
from starlette.types import ASGIApp, Receive, Scope, Send

_DEPTH = 2


def index_routes(router: Router) -> None:
    """Dispatch `router`'s requests through a prefix index built on first use (the routes must
    be complete by then: `create_app` adds them all before serving)."""
    router.middleware_stack = IndexedDispatch(router)


def _static_prefix(route: BaseRoute) -> tuple[str, ...]:
    """The path's literal leading segments (at most `_DEPTH`), up to the first parameter."""
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return ()  # a Host or a custom route: a candidate for every path
    prefix: list[str] = []
    for segment in path.split("/")[1 : _DEPTH + 1]:
        if "{" in segment:
            break
        prefix.append(segment)
    return tuple(prefix)


class _Index:
    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        prefixes = [(route, _static_prefix(route)) for route in routes]
        self.size = len(routes)
        self.any_first = [r for r, p in prefixes if not p]
        self.by_first: dict[str, list[BaseRoute]] = {}
        self.any_second: dict[str, list[BaseRoute]] = {}
        self.by_second: dict[tuple[str, str], list[BaseRoute]] = {}
        for first in {p[0] for _, p in prefixes if p}:
            level = [(r, p) for r, p in prefixes if not p or p[0] == first]
            self.by_first[first] = [r for r, _ in level]
            self.any_second[first] = [r for r, p in level if len(p) < 2]
            for second in {p[1] for _, p in level if len(p) == 2}:
                self.by_second[first, second] = [
                    r for r, p in level if len(p) < 2 or p[1] == second
                ]

    def candidates(self, path: str) -> list[BaseRoute]:
        segments = path.split("/", _DEPTH + 1)[1:]
        first = segments[0] if segments else ""
        if first not in self.by_first:
            return self.any_first
        if len(segments) < 2:
            return self.any_second[first]
        return self.by_second.get((first, segments[1]), self.any_second[first])


class IndexedDispatch:
    """Starlette's `Router.app`, over the candidate routes instead of all of them."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self.index: _Index | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        router = self.router
        if scope["type"] == "lifespan":
            await router.app(scope, receive, send)
            return
        if "router" not in scope:
            scope["router"] = router
        route_path = get_route_path(scope)
        resolved = self.resolve(scope, route_path)
        if resolved is not None:
            route, child_scope = resolved
            scope["route"] = route
            scope.update(child_scope)
            await route.handle(scope, receive, send)
            return
        if scope["type"] == "http" and router.redirect_slashes and route_path != "/":
            await self._redirect_or_default(scope, receive, send, route_path)
            return
        await router.default(scope, receive, send)

    def _current_index(self) -> _Index:
        if self.index is None or self.index.size != len(self.router.routes):
            self.index = _Index(self.router.routes)
        return self.index

    def resolve(self, scope: Scope, route_path: str) -> tuple[BaseRoute, Scope] | None:
        """The first full match among the candidates, else the first partial one (a wrong
        method: 405), as Starlette picks them."""
        partial: tuple[BaseRoute, Scope] | None = None
        for route in self._current_index().candidates(route_path):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                return route, child_scope
            if match is Match.PARTIAL and partial is None:
                partial = route, child_scope
        return partial

    async def _redirect_or_default(
        self, scope: Scope, receive: Receive, send: Send, route_path: str
    ) -> None:
        redirect_scope = dict(scope)
        if route_path.endswith("/"):
            redirect_scope["path"] = redirect_scope["path"].rstrip("/")
        else:
            redirect_scope["path"] = redirect_scope["path"] + "/"
        for route in self._current_index().candidates(get_route_path(redirect_scope)):
            if route.matches(redirect_scope)[0] is not Match.NONE:
                response: ASGIApp = RedirectResponse(url=str(URL(scope=redirect_scope)))
                await response(scope, receive, send)
                return
        await self.router.default(scope, receive, send)
