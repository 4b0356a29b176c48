"""A gateway client over a real websocket, and an in-process server for the session app."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import orjson
import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.support.servers import free_port


class Gateway:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.hello: dict[str, Any] = {}

    @classmethod
    async def open(cls, base_ws_url: str) -> Gateway:
        ws = await connect(f"{base_ws_url}/v1/gateway", compression=None)
        gw = cls(ws)
        gw.hello = await gw.recv()
        assert gw.hello["op"] == 10, gw.hello
        return gw

    async def send(self, op: int, d: Any = None) -> None:
        await self.ws.send(orjson.dumps({"op": op, "d": d}).decode())

    async def recv(self, within: float = 3.0) -> dict[str, Any]:
        async with asyncio.timeout(within):
            data: dict[str, Any] = orjson.loads(await self.ws.recv())
        return data

    async def dispatch(self, within: float = 3.0) -> dict[str, Any]:
        """The next DISPATCH frame (heartbeat acks are skipped)."""
        while True:
            message = await self.recv(within)
            if message["op"] == 0:
                return message

    async def identify(self, token: str, **extra: Any) -> dict[str, Any]:
        await self.send(2, {"token": token, **extra})
        ready = await self.dispatch()
        assert ready["t"] == "READY", ready
        data: dict[str, Any] = ready["d"]
        return data

    async def closed(self, within: float = 3.0) -> int | None:
        """Wait for the server to close the socket; its close code."""
        with contextlib.suppress(ConnectionClosed):
            async with asyncio.timeout(within):
                while True:
                    await self.ws.recv()
        return self.ws.close_code

    async def close(self) -> None:
        await self.ws.close()


class InProcessServer:
    """uvicorn serving an already-started app on this event loop (events can be published
    into its bus directly)."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            lifespan="off",
            log_config=None,
            ws_per_message_deflate=False,
            ws_max_size=64 * 1024,
        )
        self.server = uvicorn.Server(config)
        self.server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]
        self._task: asyncio.Task[None] | None = None

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._task = asyncio.create_task(self.server.serve())
        while not self.server.started:  # noqa: ASYNC110 - uvicorn exposes a flag only
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self.server.should_exit = True
        if self._task:
            await self._task
