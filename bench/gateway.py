"""Gateway fan-out and memory per idle connection (issues 4 and 20).

Starts `parley serve` on PostgreSQL + Redis, connects N identified gateway clients from this
(separate) process, then:
- memory: the server's RSS after the first tenth of the clients (at most 100: they warm the
  database pool and the caches) and after all of them, the difference divided by the rest;
- fan-out: publishes one `message.created` event addressed to all N users on the Redis bus,
  `--rounds` times, and records each client's delivery latency (publish -> frame received)
  and the CPU time the server process and Redis spent on each round (/proc and INFO cpu: on a
  shared machine the CPU figures hold where the latencies do not).

The file-descriptor limit of this process (and so of the server it starts) is raised to its
hard limit, the server's connection limit to N, and the heartbeat interval to an hour: the
idle clients never heartbeat, and opening 10,000 of them takes longer than 1.5 intervals.

    .venv/bin/python -m bench.gateway [--clients 2000] [--rounds 10] [--database postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import resource
import struct
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.common import bench_database, bench_settings, parley_server, percentile
from parley.infra import redis_client
from parley.infra.bus import Event, RedisBus

PASSWORD = "benchmark password"


class RawClient(asyncio.Protocol):
    """A minimal websocket client: it timestamps bytes as they arrive (the `websockets`
    client's per-frame work would otherwise dominate the measurement) and parses the
    server's unmasked frames afterwards."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.buffer = bytearray()
        self.handshaken = asyncio.get_running_loop().create_future()
        self.frames: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        self.transport: asyncio.Transport | None = None
        self.arrived = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            f"GET /v1/gateway HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )

    def data_received(self, data: bytes) -> None:
        now = time.time()
        if not self.buffer:
            self.arrived = now
        self.buffer += data
        if not self.handshaken.done():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            del self.buffer[: end + 4]
            self.handshaken.set_result(None)
        while len(self.buffer) >= 2:
            length, offset = self.buffer[1] & 0x7F, 2
            if length == 126:
                if len(self.buffer) < 4:
                    return
                length, offset = struct.unpack(">H", self.buffer[2:4])[0], 4
            elif length == 127:
                if len(self.buffer) < 10:
                    return
                length, offset = struct.unpack(">Q", self.buffer[2:10])[0], 10
            if len(self.buffer) < offset + length:
                return
            opcode, payload = self.buffer[0] & 0x0F, bytes(self.buffer[offset : offset + length])
            del self.buffer[: offset + length]
            if opcode == 0x1:
                self.frames.put_nowait((self.arrived, payload))
            elif opcode == 0x9:  # uvicorn's keepalive ping
                self.send(0xA, payload)
            self.arrived = now

    def send_text(self, text: str) -> None:
        self.send(0x1, text.encode())

    def send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        header = bytes([0x80 | opcode])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        else:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(payload))
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        assert self.transport is not None
        self.transport.write(header + mask + masked)

    async def recv(self) -> tuple[float, dict[str, Any]]:
        arrived, payload = await self.frames.get()
        return arrived, orjson.loads(payload)


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_ms(pid: int) -> float:
    """User + system CPU time of process `pid` so far."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


async def redis_cpu_ms(redis_url: str) -> float:
    client = redis_client.connect(redis_url)
    try:
        info = await client.info("cpu")
    finally:
        await client.aclose()
    return float(info["used_cpu_user"] + info["used_cpu_sys"]) * 1000


async def sign_up(client: httpx.AsyncClient, name: str) -> tuple[int, str]:
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    (await client.post("/v1/auth/register", json=body)).raise_for_status()
    response = await client.post("/v1/auth/login", json={"login": name, "password": PASSWORD})
    response.raise_for_status()
    data = response.json()
    return int(data["user"]["id"]), str(data["access_token"])


async def accounts(base: str, count: int) -> list[tuple[int, str]]:
    gate = asyncio.Semaphore(16)
    prefix = f"gw{int(time.time())}"

    async def one(client: httpx.AsyncClient, i: int) -> tuple[int, str]:
        async with gate:
            return await sign_up(client, f"{prefix}_{i}")

    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        return await asyncio.gather(*(one(client, i) for i in range(count)))


async def open_client(host: str, port: int, token: str) -> RawClient:
    loop = asyncio.get_running_loop()
    _, client = await loop.create_connection(lambda: RawClient(host, port), host, port)
    await client.handshaken
    await client.recv()  # HELLO
    client.send_text(orjson.dumps({"op": 2, "d": {"token": token}}).decode())
    _, ready = await client.recv()
    assert ready["t"] == "READY", ready
    return client


async def run(
    ws_url: str, base: str, pid: int, args: argparse.Namespace, redis_url: str, prefix: str
) -> dict[str, float]:
    """Prints the figures; returns them."""
    users = await accounts(base, args.clients)
    gate = asyncio.Semaphore(64)
    host, port = ws_url.removeprefix("ws://").split(":")

    async def opened(token: str) -> RawClient:
        async with gate:
            return await open_client(host, int(port), token)

    warm = min(100, len(users) // 10)
    sockets = await asyncio.gather(*(opened(token) for _, token in users[:warm]))
    await asyncio.sleep(2)
    before = rss_kib(pid)
    sockets += await asyncio.gather(*(opened(token) for _, token in users[warm:]))
    await asyncio.sleep(2)
    after = rss_kib(pid)
    per_conn = (after - before) / (len(sockets) - warm)

    latencies: list[float] = []

    async def receive(ws: RawClient) -> None:
        arrived, message = await ws.recv()
        latencies.append(arrived - message["d"]["sent_at"])

    bus = RedisBus(redis_url, prefix)
    await bus.start()
    user_ids = [user_id for user_id, _ in users]
    server_cpu: list[float] = []
    redis_cpu: list[float] = []
    for round_ in range(args.rounds):
        waiting = asyncio.gather(*(receive(ws) for ws in sockets))
        await asyncio.sleep(0.05)
        cpu, redis_before = cpu_ms(pid), await redis_cpu_ms(redis_url)
        payload = {"user_ids": user_ids, "data": {"round": round_, "sent_at": time.time()}}
        await bus.publish(Event("message.created", payload))
        await asyncio.wait_for(waiting, 120)
        await asyncio.sleep(0.2)  # the server's last writes and task ends
        server_cpu.append(cpu_ms(pid) - cpu)
        redis_cpu.append(await redis_cpu_ms(redis_url) - redis_before)
        await asyncio.sleep(0.5)
    await bus.stop()
    for ws in sockets:
        assert ws.transport is not None
        ws.transport.close()

    ms = [x * 1000 for x in latencies]
    print(f"clients: {len(sockets)}, rounds: {args.rounds}, deliveries: {len(ms)}")
    print(f"server RSS: {before / 1024:.1f} MiB with {warm} -> {after / 1024:.1f} MiB with all")
    print(f"memory per idle connection: {per_conn:.1f} KiB (target <= 20 KiB)")
    print(
        f"fan-out delivery latency: p50 {percentile(ms, 50):.1f} ms, "
        f"p99 {percentile(ms, 99):.1f} ms, max {max(ms):.1f} ms"
    )
    print(
        f"CPU per fan-out (median of rounds): server {percentile(server_cpu, 50):.0f} ms, "
        f"Redis {percentile(redis_cpu, 50):.0f} ms"
    )
    return {
        "clients": len(sockets),
        "kib_per_connection": per_conn,
        "p50_ms": percentile(ms, 50),
        "p99_ms": percentile(ms, 99),
        "max_ms": max(ms),
        "server_cpu_ms": percentile(server_cpu, 50),
        "redis_cpu_ms": percentile(redis_cpu, 50),
    }


def options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=10)
    return parser.parse_args(argv)


def measure(args: argparse.Namespace) -> dict[str, float]:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with tempfile.TemporaryDirectory() as tmp, bench_database(args.database) as url:
        settings = bench_settings(
            url,
            Path(tmp) / "data",
            redis=True,
            # Sign-ups are setup, not what is measured: cheap hashing keeps them quick.
            argon2_memory_kib=1024,
            argon2_time_cost=1,
            server_limit_concurrency=args.clients + 100,
            gateway_heartbeat_ms=3_600_000,
        )
        assert settings.redis_url
        with parley_server(settings, tmp) as server:
            return asyncio.run(
                run(
                    server.ws_url,
                    server.url,
                    server.process.pid,
                    args,
                    settings.redis_url,
                    settings.redis_prefix,
                )
            )


def main() -> None:
    measure(options())


if __name__ == "__main__":
    main()
