"""Real `parley serve` processes on chosen settings, for end-to-end tests and benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from pydantic import SecretStr

from parley.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def settings_env(settings: Settings) -> dict[str, str]:
    """The PARLEY_* environment that reproduces `settings` in another process."""
    env: dict[str, str] = {}
    for name, value in settings.model_dump(mode="json").items():
        if value is None:
            continue
        env[f"PARLEY_{name.upper()}"] = (
            str(value).lower() if isinstance(value, bool) else str(value)
        )
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):  # dumped masked above
            env[f"PARLEY_{name.upper()}"] = value.get_secret_value()
    return env


@dataclass
class ServerProcess:
    port: int
    process: subprocess.Popen[bytes]
    log_path: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def log(self) -> str:
        with open(self.log_path, errors="replace") as fh:
            return fh.read()


def start_server(
    settings: Settings,
    log_dir: str,
    *,
    workers: int = 1,
    extra_env: dict[str, str] | None = None,
    port: int | None = None,
    unset: tuple[str, ...] = (),
    program: tuple[str, ...] = (sys.executable, "-m", "parley"),
    start_timeout: float = 180,
) -> ServerProcess:
    """`unset`: PARLEY_* names left out of the environment, so the server uses its default;
    `program`: the `parley` to run (default: this interpreter's); `start_timeout`: seconds
    to wait for its first healthy answer."""
    port = port or free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **settings_env(settings), **(extra_env or {})}
    for name in unset:
        env.pop(name, None)
    log_path = os.path.join(log_dir, f"server-{port}.log")
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603 (our interpreter, fixed arguments)
            [
                *program,
                "serve",
                "--port",
                str(port),
                "--no-migrate",
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = ServerProcess(port, process, log_path)
    try:
        wait_healthy(server.url, process, server.log, timeout=start_timeout)
    except RuntimeError:
        server.stop(signal.SIGKILL)
        raise
    return server


def wait_healthy(
    url: str, process: subprocess.Popen[bytes], log: Callable[[], str], timeout: float
) -> None:
    """Wait until `url` answers /v1/health with 200; raise with the log if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited ({process.returncode}):\n{log()}")
        try:
            if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"did not start within {timeout} s:\n{log()}")
