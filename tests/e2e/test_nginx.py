"""deploy/nginx.conf in front of two `parley serve` processes of the installed wheel (what the
container image runs) on PostgreSQL + Redis + S3 (moto) + SMTP (aiosmtpd): a scripted session
through nginx only, and X-Forwarded-For on both sides."""

from __future__ import annotations

import asyncio
import json
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from parley.settings import Settings
from tests.conftest import ON_POSTGRES, REDIS_URL
from tests.support.accounts import PASSWORD, unique_name
from tests.support.gateway import Gateway
from tests.support.images import image_bytes
from tests.support.mail import code_in, last_mail
from tests.support.nginx import Nginx, nginx_binary, render, start_nginx
from tests.support.servers import ServerProcess, SmtpSink, free_port
from tests.support.wheel import Install

needs_the_stack = pytest.mark.skipif(
    not (nginx_binary() and ON_POSTGRES and REDIS_URL),
    reason="needs nginx, PARLEY_TEST_DATABASE_URL and PARLEY_TEST_REDIS_URL",
)

BUCKET = "parley-avatars"
CLIENT_ADDRESS = "127.0.0.2"  # the "internet" side; nginx and Parley talk over 127.0.0.1
AWS_ENV = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}


class EchoIdentity(BaseHTTPRequestHandler):
    """The protected upstream: tells what identity nginx passed on."""

    def do_GET(self) -> None:
        body = json.dumps(
            {
                "path": self.path,
                "user_id": self.headers.get("X-User-Id"),
                "session_id": self.headers.get("X-Session-Id"),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        pass


@dataclass
class Stack:
    nginx: Nginx
    instances: list[ServerProcess]
    s3_endpoint: str


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **_aws_keys())
    s3.create_bucket(Bucket=BUCKET)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{BUCKET}/*",
            }
        ],
    }
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
    yield endpoint
    server.stop()


def _aws_keys() -> dict[str, str]:
    return {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


@pytest.fixture(scope="module")
def stack(
    make_settings: Callable[..., Settings],
    smtp: SmtpSink,
    s3_endpoint: str,
    tmp_path_factory: pytest.TempPathFactory,
    wheel_install: Install,
) -> Iterator[Stack]:
    from tests.support.servers import start_server

    echo = ThreadingHTTPServer(("127.0.0.1", 0), EchoIdentity)
    threading.Thread(target=echo.serve_forever, daemon=True).start()
    log_dir = str(tmp_path_factory.mktemp("nginx-e2e"))
    settings = make_settings(
        mail_url=smtp.url,
        storage_url=f"s3://{BUCKET}?endpoint_url={s3_endpoint}&region=us-east-1",
        trusted_proxies="127.0.0.1",
        device_verification=True,
    )
    instances: list[ServerProcess] = []
    nginx: Nginx | None = None
    try:
        for _ in range(2):
            instances.append(
                start_server(
                    settings, log_dir, extra_env=AWS_ENV, program=(str(wheel_install.parley),)
                )
            )
        nginx = start_nginx([s.port for s in instances], echo.server_address[1])
        yield Stack(nginx, instances, s3_endpoint)
    finally:
        if nginx:
            nginx.stop()
        for server in instances:
            server.stop()
        echo.shutdown()


def from_the_internet(base_url: str) -> httpx.AsyncClient:
    """A client whose socket address is not a trusted proxy."""
    transport = httpx.AsyncHTTPTransport(local_address=CLIENT_ADDRESS)
    return httpx.AsyncClient(base_url=base_url, transport=transport, timeout=10)


async def register(http: httpx.AsyncClient) -> tuple[str, int]:
    name = unique_name("ngx")
    response = await http.post(
        "/v1/auth/register",
        json={"username": name, "email": f"{name}@example.com", "password": PASSWORD},
    )
    assert response.status_code == 201, response.text
    return name, int(response.json()["id"])


@pytest.mark.skipif(not nginx_binary(), reason="needs nginx")
def test_the_shipped_configuration_is_valid(tmp_path: Path) -> None:
    binary = nginx_binary()
    assert binary
    conf = tmp_path / "nginx.conf"
    conf.write_text(render(free_port(), [free_port(), free_port()], free_port()))
    tmp_path.chmod(0o755)
    check = subprocess.run(
        [binary, "-p", str(tmp_path), "-c", str(conf), "-t"],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    assert check.returncode == 0, check.stderr


@needs_the_stack
def test_the_instances_run_the_installed_wheel(stack: Stack, wheel_install: Install) -> None:
    for server in stack.instances:
        command = Path(f"/proc/{server.process.pid}/cmdline").read_bytes().split(b"\0")
        assert str(wheel_install.parley).encode() in command, command


@needs_the_stack
async def test_a_scripted_session_through_nginx(stack: Stack, smtp: SmtpSink) -> None:
    async with asyncio.timeout(90), from_the_internet(stack.nginx.url) as http:
        # register two accounts
        alice, alice_id = await register(http)
        bob, _ = await register(http)

        # alice signs in from a new device: the code comes over SMTP (the mailer of whichever
        # instance served the login), the verification may land on the other instance
        spoof = {"X-Forwarded-For": "198.51.100.7"}
        login = {"login": alice, "password": PASSWORD, "device_id": "laptop-1"}
        challenged = await http.post("/v1/auth/login", json=login, headers=spoof)
        assert challenged.status_code == 403, challenged.text
        handle = challenged.json()["error"]["challenge"]
        code = code_in(await last_mail(smtp, f"{alice}@example.com", "device"))
        verified = await http.post(
            "/v1/auth/login/verify", json={"challenge": handle, "code": code}, headers=spoof
        )
        assert verified.status_code == 200, verified.text
        alice_h = {"Authorization": f"Bearer {verified.json()['access_token']}"}
        # bob has never proven a device: a device-less sign-in opens a session directly
        signed = await http.post("/v1/auth/login", json={"login": bob, "password": PASSWORD})
        assert signed.status_code == 200, signed.text
        bob_h = {"Authorization": f"Bearer {signed.json()['access_token']}"}

        # X-Forwarded-For: nginx appends the address it saw; Parley trusts nginx only, so the
        # session shows the client's address, neither nginx's nor the spoofed one
        sessions = (await http.get("/v1/sessions", headers=alice_h)).json()
        assert [s["ip"] for s in sessions] == [CLIENT_ADDRESS]

        # bob asks alice to be friends, opens a DM; alice listens on the gateway through nginx
        assert (
            await http.post("/v1/friends", json={"user_id": alice_id}, headers=bob_h)
        ).status_code == 201
        dm = await http.post("/v1/channels/direct", json={"user_id": alice_id}, headers=bob_h)
        assert dm.status_code in (200, 201), dm.text
        channel_id = dm.json()["id"]
        gw = await Gateway.open(stack.nginx.ws_url)
        await gw.identify(verified.json()["access_token"])

        # bob posts through nginx; round robin spreads the posts over both instances
        sent = []
        for n in range(4):
            posted = await http.post(
                f"/v1/channels/{channel_id}/messages",
                json={"content": f"hello {n}"},
                headers=bob_h,
            )
            assert posted.status_code == 201, posted.text
            sent.append(posted.json()["id"])
        received = [await gw.dispatch(within=5) for _ in sent]
        assert [(e["t"], e["d"]["id"]) for e in received] == [("MESSAGE_CREATE", m) for m in sent]
        history = await http.get(f"/v1/channels/{channel_id}/messages", headers=alice_h)
        assert history.status_code == 200, history.text
        await gw.close()

        # avatar upload through nginx; the URL points at S3 and serves the re-encoded image
        uploaded = await http.put(
            "/v1/users/me/avatar",
            files={"file": ("me.png", image_bytes("PNG", (300, 200)), "image/png")},
            headers=alice_h,
        )
        assert uploaded.status_code == 200, uploaded.text
        avatar_url = uploaded.json()["avatar_url"]
        assert avatar_url.startswith(f"{stack.s3_endpoint}/{BUCKET}/")
        async with httpx.AsyncClient(timeout=10) as s3:
            served = await s3.get(avatar_url)
        assert served.status_code == 200
        assert served.content[:4] == b"RIFF"

        # bodies over client_max_body_size stop at nginx
        too_big = await http.put(
            "/v1/users/me/avatar",
            files={"file": ("big.png", b"\0" * (7 * 1024 * 1024), "image/png")},
            headers=alice_h,
        )
        assert too_big.status_code == 413
        # ...except on the attachment route, which takes Parley's 25 MiB cap
        attached = await http.post(
            f"/v1/channels/{channel_id}/attachments",
            files={"file": ("big.bin", b"\0" * (7 * 1024 * 1024), "application/octet-stream")},
            headers=alice_h,
        )
        assert attached.status_code == 201, attached.text
        assert attached.json()["size"] == 7 * 1024 * 1024

        # the protected upstream: nginx asks /v1/auth/validate and passes the identity on;
        # identity headers sent by the caller are replaced
        forged = {"X-User-Id": "1", "X-Session-Id": "1"}
        guarded = await http.get("/protected/report?x=1", headers={**alice_h, **forged})
        assert guarded.status_code == 200, guarded.text
        assert guarded.json() == {
            "path": "/report?x=1",
            "user_id": str(alice_id),
            "session_id": str(verified.json()["session_id"]),
        }
        assert (await http.get("/protected/report", headers=forged)).status_code == 401
        bad = {"Authorization": "Bearer not-a-token"}
        assert (await http.get("/protected/report", headers=bad)).status_code == 401

        # logout; within a second the token is refused by every instance (sessions are
        # cached for validation; the revocation reaches the other instance through Redis)
        assert (await http.post("/v1/auth/logout", headers=alice_h)).status_code == 204
        async with asyncio.timeout(1):
            for server in stack.instances:
                async with httpx.AsyncClient(base_url=server.url) as direct:
                    while (  # noqa: ASYNC110 - polling another process over HTTP
                        await direct.get("/v1/auth/validate", headers=alice_h)
                    ).status_code != 401:
                        await asyncio.sleep(0.02)
        for _ in range(4):
            assert (await http.get("/protected/report", headers=alice_h)).status_code == 401
            assert (await http.get("/v1/users/me", headers=alice_h)).status_code == 401

    # every instance served part of the session, the posts included
    log = stack.nginx.upstream_log()
    upstreams = {f"127.0.0.1:{s.port}" for s in stack.instances}
    posts = {u for m, p, s, u in log if m == "POST" and p.endswith("/messages")}
    assert posts == upstreams, log
    gateway = [u for _m, p, _s, u in log if p == "/v1/gateway"]
    assert len(gateway) == 1
    assert gateway[0] in upstreams
    assert posts - {gateway[0]}, "no message crossed instances"


@needs_the_stack
async def test_forwarded_for_is_trusted_only_from_the_configured_proxy(stack: Stack) -> None:
    direct = stack.instances[0].url
    async with asyncio.timeout(30):
        async with from_the_internet(stack.nginx.url) as http:
            name, _ = await register(http)
        body = {"login": name, "password": PASSWORD}
        spoof = {"X-Forwarded-For": "198.51.100.7"}
        # straight to an instance from an untrusted address: the header is ignored
        async with from_the_internet(direct) as untrusted:
            tokens = (await untrusted.post("/v1/auth/login", json=body, headers=spoof)).json()
        # from the trusted proxy address (127.0.0.1): the header is believed
        async with httpx.AsyncClient(base_url=direct, timeout=10) as trusted:
            again = (await trusted.post("/v1/auth/login", json=body, headers=spoof)).json()
            sessions = await trusted.get(
                "/v1/sessions", headers={"Authorization": f"Bearer {again['access_token']}"}
            )
        by_id = {s["id"]: s["ip"] for s in sessions.json()}
        assert by_id[tokens["session_id"]] == CLIENT_ADDRESS
        assert by_id[again["session_id"]] == "198.51.100.7"


@needs_the_stack
async def test_the_web_client_is_served_through_nginx_with_gzipped_assets(stack: Stack) -> None:
    async with from_the_internet(stack.nginx.url) as http:
        for path in ("/", "/signin", "/qr/some-ticket", "/chat/12"):
            page = await http.get(path)
            assert page.status_code == 200, path
            assert '<script type="module" src="/assets/js/main.js">' in page.text
        script = await http.get("/assets/js/main.js", headers={"Accept-Encoding": "gzip"})
        assert script.status_code == 200
        assert script.headers["content-encoding"] == "gzip"
        assert "render(" in script.text
