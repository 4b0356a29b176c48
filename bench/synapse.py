"""Synapse as a benchmark peer: its own virtualenv (from PyPI, cached), a homeserver on a
PostgreSQL database of the benchmark's private cluster, and the Matrix calls that set up
users and a room.

The virtualenv lives in `.bench/synapse-venv` (git-ignored) and is made once per version.
The homeserver is one process with the client listener only (no federation, no metrics),
logging at WARNING like the Parley server, every rate limit raised out of reach, and bcrypt
at 4 rounds so registering the users is quick (only registration and login hash).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from parley.kit.secrets import new_token
from parley.testing import free_port

VENV = Path(__file__).resolve().parent.parent / ".bench" / "synapse-venv"
VERSION = "1.163.2"
SERVER_NAME = "bench.local"
PASSWORD = "benchmark password"
UNLIMITED = {"per_second": 1_000_000, "burst_count": 1_000_000}
RATE_LIMITS: dict[str, Any] = {
    "rc_message": UNLIMITED,
    "rc_registration": UNLIMITED,
    "rc_registration_token_validity": UNLIMITED,
    "rc_login": {"address": UNLIMITED, "account": UNLIMITED, "failed_attempts": UNLIMITED},
    "rc_joins": {"local": UNLIMITED, "remote": UNLIMITED},
    "rc_joins_per_room": UNLIMITED,
    "rc_invites": {"per_room": UNLIMITED, "per_user": UNLIMITED, "per_issuer": UNLIMITED},
    "rc_admin_redaction": UNLIMITED,
    "rc_3pid_validation": UNLIMITED,
    "rc_room_creation": UNLIMITED,
    "rc_presence": {"per_user": UNLIMITED},
    "rc_delayed_event_mgmt": UNLIMITED,
    "rc_reports": UNLIMITED,
    "rc_federation": {"concurrent": 1_000_000, "sleep_limit": 1_000_000},
}


def installed_version(python: Path) -> str | None:
    if not python.exists():
        return None
    probe = "import importlib.metadata as m; print(m.version('matrix-synapse'))"
    found = subprocess.run([python, "-c", probe], capture_output=True, text=True)
    return found.stdout.strip() if found.returncode == 0 else None


def ensure_venv(version: str = VERSION) -> Path:
    """The virtualenv's python, with `matrix-synapse[postgres]==version` installed in it."""
    python = VENV / "bin" / "python"
    if installed_version(python) == version:
        return python
    print(f"installing matrix-synapse[postgres]=={version} into {VENV} ...", file=sys.stderr)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    log = VENV.parent / "synapse-pip.log"
    with open(log, "w") as out:
        done = subprocess.run(
            [python, "-m", "pip", "install", f"matrix-synapse[postgres]=={version}"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    if done.returncode != 0:
        raise SystemExit(f"pip install of matrix-synapse failed: see {log}")
    return python


def homeserver_config(tmp: Path, port: int, db_url: str, secret: str) -> dict[str, Any]:
    db = make_url(db_url)
    log_config = tmp / "log.yaml"
    log_config.write_text(
        json.dumps(
            {
                "version": 1,
                "formatters": {
                    "plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}
                },
                "handlers": {
                    "file": {
                        "class": "logging.FileHandler",
                        "filename": str(tmp / "homeserver.log"),
                        "formatter": "plain",
                    }
                },
                "root": {"level": "WARNING", "handlers": ["file"]},
                "disable_existing_loggers": False,
            }
        )
    )
    listener = {
        "port": port,
        "bind_addresses": ["127.0.0.1"],
        "type": "http",
        "tls": False,
        "x_forwarded": False,
        "resources": [{"names": ["client"], "compress": False}],
    }
    database = {
        "name": "psycopg2",
        "args": {
            "user": db.username,
            "dbname": db.database,
            "host": db.host,
            "port": db.port,
            "cp_min": 5,
            "cp_max": 10,
        },
    }
    return {
        "server_name": SERVER_NAME,
        "pid_file": str(tmp / "homeserver.pid"),
        "listeners": [listener],
        "database": database,
        "log_config": str(log_config),
        "media_store_path": str(tmp / "media"),
        "signing_key_path": str(tmp / "signing.key"),
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "report_stats": False,
        "enable_metrics": False,
        "registration_shared_secret": secret,
        "macaroon_secret_key": new_token(24),
        "form_secret": new_token(24),
        "bcrypt_rounds": 4,
        **RATE_LIMITS,
    }


@dataclass
class Synapse:
    url: str
    pid: int
    dsn: str
    secret: str


def start(python: Path, tmp: Path, db_url: str, secret: str) -> tuple[subprocess.Popen[bytes], str]:
    """The homeserver process, answering /health, and its URL."""
    port = free_port()
    config = tmp / "homeserver.yaml"  # JSON is YAML
    config.write_text(json.dumps(homeserver_config(tmp, port, db_url, secret)))
    command = [str(python), "-m", "synapse.app.homeserver", "-c", str(config)]
    subprocess.run([*command, "--generate-keys"], check=True, capture_output=True, cwd=tmp)
    log = tmp / "stdout.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=tmp)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"synapse exited ({process.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"synapse did not start within 180 s:\n{log.read_text()}")


@asynccontextmanager
async def synapse_server(python: Path, admin_url: str, tmp: Path) -> AsyncIterator[Synapse]:
    """A homeserver on a new database `synapse` of the cluster behind `admin_url`."""
    admin = make_url(admin_url).set(drivername="postgresql")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
    await conn.execute("CREATE DATABASE synapse TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'")
    await conn.close()
    db = admin.set(database="synapse")
    secret = new_token(24)
    process, url = await asyncio.to_thread(start, python, tmp, db.render_as_string(), secret)
    try:
        yield Synapse(url, process.pid, db.render_as_string(hide_password=False), secret)
    finally:
        process.terminate()
        try:
            await asyncio.to_thread(process.wait, 30)
        except subprocess.TimeoutExpired:
            process.kill()


async def register(client: httpx.AsyncClient, secret: str, name: str) -> str:
    """A user made through the shared-secret admin API; its access token."""
    path = "/_synapse/admin/v1/register"
    nonce = (await client.get(path)).raise_for_status().json()["nonce"]
    mac = hmac.new(secret.encode(), digestmod=hashlib.sha1)
    mac.update(b"\x00".join([nonce.encode(), name.encode(), PASSWORD.encode(), b"notadmin"]))
    body = {"nonce": nonce, "username": name, "password": PASSWORD, "admin": False}
    made = await client.post(path, json={**body, "mac": mac.hexdigest()})
    return str(made.raise_for_status().json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def room_with_members(client: httpx.AsyncClient, secret: str, users: int) -> Any:
    """A public room made by an owner that `users` users join: (room id, their tokens)."""
    owner = await register(client, secret, "owner")
    made = await client.post(
        "/_matrix/client/v3/createRoom",
        json={"preset": "public_chat", "name": "bench"},
        headers=bearer(owner),
    )
    room_id = str(made.raise_for_status().json()["room_id"])
    tokens = []
    for i in range(users):
        token = await register(client, secret, f"member{i}")
        joined = await client.post(
            f"/_matrix/client/v3/join/{quote(room_id)}", headers=bearer(token)
        )
        joined.raise_for_status()
        tokens.append(token)
    return room_id, tokens


async def token_before(
    client: httpx.AsyncClient, dsn: str, room_id: str, depth: int, token: str
) -> str:
    """The pagination token just before the message `depth` messages back from the newest
    (its /context `start`), so `/messages?dir=b&from=` reads the page that far back."""
    conn = await asyncpg.connect(dsn)
    try:
        event_id = await conn.fetchval(
            "SELECT event_id FROM events WHERE room_id = $1 AND type = 'm.room.message' "
            "ORDER BY stream_ordering DESC OFFSET $2 LIMIT 1",
            room_id,
            depth,
        )
    finally:
        await conn.close()
    context = await client.get(
        f"/_matrix/client/v3/rooms/{quote(room_id)}/context/{quote(event_id)}?limit=0",
        headers=bearer(token),
    )
    return str(context.raise_for_status().json()["start"])
