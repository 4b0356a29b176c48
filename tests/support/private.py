"""Private PostgreSQL and Redis instances that failure tests may stop, kill and restart.

The machine's shared instances serve other test processes; these tests never touch them.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

import redis

from tests.support.servers import free_port


def _pg_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


def available() -> str | None:
    """Why private instances cannot run here, or None when they can."""
    if shutil.which("redis-server") is None:
        return "redis-server is not installed"
    if _pg_bin() is None:
        return "PostgreSQL server binaries are not installed"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "runuser is needed to run initdb as root"
    return None


@dataclass
class PrivateRedis:
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        try:
            while time.monotonic() < deadline:
                try:
                    if client.ping():
                        return
                except redis.RedisError:
                    time.sleep(0.05)
        finally:
            client.close()
        raise RuntimeError("private redis-server did not start")

    def pause(self) -> None:
        """SIGSTOP it: connections stay open but nothing answers (a hung Redis)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        """Kill it (no persistence: it comes back empty, like a crashed Redis)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None


class PrivatePostgres:
    """A throw-away cluster on a free port with trust authentication."""

    def __init__(self) -> None:
        bindir = _pg_bin()
        assert bindir is not None
        self.bindir = bindir
        self.port = free_port()
        self.root = tempfile.mkdtemp(prefix="parley-pg-")
        self.datadir = os.path.join(self.root, "data")
        self.logfile = os.path.join(self.root, "postgres.log")
        os.chmod(self.root, 0o777)

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        command = [os.path.join(self.bindir, args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, check=check, timeout=60)

    def init(self) -> None:
        self._run("initdb", "-D", self.datadir, "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", self.datadir, "-l", self.logfile, "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", self.datadir, "-m", mode, "-w", "stop", check=False)

    def kill(self) -> None:
        """SIGKILL the postmaster (a crash); its backends exit on their own."""
        pidfile = os.path.join(self.datadir, "postmaster.pid")
        if os.path.exists(pidfile):
            with open(pidfile) as fh:
                pid = int(fh.readline().strip())
            os.kill(pid, signal.SIGKILL)

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
