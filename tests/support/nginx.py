"""nginx from deploy/nginx.conf (ports substituted) in front of real Parley processes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.support.servers import free_port, wait_healthy

SHIPPED = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or shutil.which(
        "nginx", path="/usr/sbin:/usr/local/sbin:/usr/local/nginx/sbin"
    )


def render(listen: int, upstreams: list[int], protected: int, access_log: str | None = None) -> str:
    """deploy/nginx.conf with the test's ports. With `access_log`, requests are logged with
    the upstream that served them (observation only; routing is the shipped file's)."""
    text = SHIPPED.read_text()
    servers = re.findall(r"^\s*server 127\.0\.0\.1:800\d [^\n]*\n", text, flags=re.M)
    assert len(servers) == 2, "deploy/nginx.conf: expected two instance lines"
    lines = "".join(servers[0].replace("127.0.0.1:8001", f"127.0.0.1:{port}") for port in upstreams)
    text = text.replace(servers[0], lines, 1).replace(servers[1], "", 1)
    text = text.replace("server 127.0.0.1:9000;", f"server 127.0.0.1:{protected};")
    text = text.replace("listen 8080;", f"listen 127.0.0.1:{listen};")
    if access_log:
        text = text.replace(
            "access_log off;",
            "log_format upstreams '$request_method $uri $status $upstream_addr';\n"
            f"    access_log {access_log} upstreams;",
        )
    # nginx runs its workers as `nobody` when started by root: run them as the caller instead.
    if os.geteuid() == 0:
        text = "user root;\n" + text
    for port in (8001, 8002, 9000, 8080):
        assert f":{port}" not in text, f"port {port} left in the rendered configuration"
    return text


@dataclass
class Nginx:
    port: int
    prefix: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def access_log(self) -> Path:
        return self.prefix / "access.log"

    def upstream_log(self) -> list[tuple[str, str, int, str]]:
        """(method, path, status, upstream address) per logged request."""
        if not self.access_log.exists():
            return []
        rows = []
        for line in self.access_log.read_text().splitlines():
            method, path, status, upstream = line.split(" ", 3)
            rows.append((method, path, int(status), upstream))
        return rows

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.prefix, ignore_errors=True)

    def log(self) -> str:
        path = self.prefix / "nginx.out"
        return path.read_text(errors="replace") if path.exists() else ""


def start_nginx(upstreams: list[int], protected: int) -> Nginx:
    binary = nginx_binary()
    assert binary, "nginx is not installed"
    prefix = Path(tempfile.mkdtemp(prefix="parley-nginx-"))
    prefix.chmod(0o755)
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(render(port, upstreams, protected, access_log=str(prefix / "access.log")))
    check = subprocess.run(
        [binary, "-p", str(prefix), "-c", str(conf), "-t"],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    with open(prefix / "nginx.out", "wb") as out:
        process = subprocess.Popen(
            [binary, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    nginx = Nginx(port, prefix, process)
    try:
        wait_healthy(nginx.url, process, nginx.log, timeout=20)
    except RuntimeError:
        nginx.stop()
        raise
    return nginx
