"""A Starlette app served by uvicorn on loopback in a background thread: the base of the local
fake providers and push services that tests and benchmarks talk to over real HTTP."""

from __future__ import annotations

import threading
import time

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route

from parley.testing import free_port


class FakeServer:
    """Serve a Starlette app on 127.0.0.1 in a thread."""

    def __init__(self, routes: list[Route]) -> None:
        self.port = free_port()
        self.app = Starlette(routes=routes)
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.requests: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake provider did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)

    def count(self, path: str) -> int:
        return sum(1 for seen in self.requests if seen == path)
