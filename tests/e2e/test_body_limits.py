"""Bodies are bounded before they are read, uploads authenticate first, slow request heads are
cut off: against a real `parley serve` (#13 item 7)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import anyio

from parley.settings import Settings
from parley.testing import ServerProcess

MIB = 1024 * 1024


def vm(server: ServerProcess, field: str) -> int:
    """A /proc/PID/status figure of the server process, in bytes."""
    with open(f"/proc/{server.process.pid}/status") as fh:
        for line in fh:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
    raise AssertionError(field)


def status_of(head: bytes) -> int:
    return int(head.split(b" ", 2)[1])


def send_huge_login(port: int, size: int) -> tuple[int, int]:
    """POST a `size`-byte JSON login, sending for as long as the server reads; returns the
    status and how many body bytes went out."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {size}\r\n\r\n".encode()
        )
        chunk = b" " * MIB
        sent = 0
        sock.settimeout(2)
        try:
            while sent < size:
                sock.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass  # the server stopped reading (or closed): what we want
        sock.settimeout(10)
        head = sock.recv(65536)
        return status_of(head), sent


async def test_a_200_mib_login_is_refused_without_the_server_growing(
    server_factory: Callable[..., ServerProcess],
) -> None:
    server = server_factory()
    before = vm(server, "VmHWM")
    status, _sent = await anyio.to_thread.run_sync(send_huge_login, server.port, 200 * MIB)
    assert status == 413
    grown = vm(server, "VmHWM") - before
    assert grown < 40 * MIB, f"peak RSS grew by {grown / MIB:.0f} MiB"


def upload_head_only(port: int, method: str, path: str) -> int:
    """Send an upload's head with a 5 MiB Content-Length and no body: the answer must come
    without the body ever being sent."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            f"{method} {path} HTTP/1.1\r\nHost: x\r\n".encode()
            + b"Content-Type: multipart/form-data; boundary=b\r\n"
            + f"Content-Length: {5 * MIB}\r\n\r\n".encode()
        )
        return status_of(sock.recv(65536))


async def test_an_upload_without_a_token_is_refused_before_its_body_is_read(
    server_factory: Callable[..., ServerProcess],
) -> None:
    server = server_factory()
    for method, path in (
        ("PUT", "/v1/users/me/avatar"),
        ("PATCH", "/users/upload-avatar/"),
        ("POST", "/v1/channels/1/attachments"),
    ):
        status = await anyio.to_thread.run_sync(upload_head_only, server.port, method, path)
        assert status == 401, path


def slow_head_is_closed(port: int, wait: float) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=wait + 5) as sock:
        sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        started = time.monotonic()
        closed = sock.recv(1) == b""
        return closed and time.monotonic() - started < wait + 4


async def test_a_request_head_sent_too_slowly_is_cut_off(
    server_factory: Callable[..., ServerProcess], make_settings: Callable[..., Settings]
) -> None:
    server = server_factory(make_settings(server_header_timeout_seconds=1))
    assert await anyio.to_thread.run_sync(slow_head_is_closed, server.port, 1.0)
