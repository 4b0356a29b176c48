"""The prefix index picks the route Starlette's linear scan picks, for every route."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.routing import BaseRoute, Match

from parley.app import create_app
from parley.kit.routing import IndexedDispatch
from parley.settings import Settings


def _linear(routes: list[BaseRoute], scope: dict) -> BaseRoute | None:
    partial = None
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return route
        if match is Match.PARTIAL and partial is None:
            partial = route
    return partial


def _samples(path: str) -> list[str]:
    concrete = re.sub(r"\{[^}]+\}", "123", path)
    others = [concrete, concrete.rstrip("/") + "/", concrete + "x", "/" + concrete.strip("/")]
    return [*others, concrete.rsplit("/", 1)[0] or "/"]


@pytest.fixture(scope="module")
def app_routes(tmp_path_factory: pytest.TempPathFactory) -> tuple[IndexedDispatch, list]:
    db = Path(tmp_path_factory.mktemp("routing")) / "x.db"
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{db}"))
    dispatch = app.router.middleware_stack
    assert isinstance(dispatch, IndexedDispatch)
    return dispatch, list(app.router.routes)


def test_every_route_resolves_as_starlette_would(app_routes: tuple) -> None:
    dispatch, routes = app_routes
    paths = {p for r in routes for p in _samples(getattr(r, "path", "") or "/")}
    paths |= {"/", "/nope", "/v1", "/v1/", "/v1/nope/1", "/api/v9/x", "/assets/app.js"}
    checked = 0
    for path in sorted(paths):
        for method in ("GET", "POST", "DELETE", "PATCH"):
            for kind in ("http", "websocket"):
                scope = {"type": kind, "path": path, "method": method, "root_path": ""}
                expected = _linear(routes, scope)
                resolved = dispatch.resolve(dict(scope), path)
                assert (resolved[0] if resolved else None) is expected, (kind, method, path)
                checked += 1
    assert checked > 2000


def test_the_index_narrows_the_scan(app_routes: tuple) -> None:
    dispatch, routes = app_routes
    dispatch.resolve({"type": "http", "path": "/", "method": "GET", "root_path": ""}, "/")
    assert dispatch.index is not None
    assert len(dispatch.index.candidates("/v1/health/live")) < len(routes) / 5
