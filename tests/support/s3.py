"""A moto S3 server (server mode, real HTTP) holding one bucket, and a look into it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from parley.settings import Settings


@dataclass
class S3:
    endpoint: str
    bucket: str

    @property
    def storage_url(self) -> str:
        return f"s3://{self.bucket}?endpoint_url={self.endpoint}&region=us-east-1"

    def keys(self, prefix: str) -> set[str]:
        s3 = boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1")
        listed = s3.list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return {o["Key"] for o in listed.get("Contents", [])}

    async def emptied(self, prefix: str) -> bool:
        """Objects go after commit (a bus event): wait up to 5 s."""
        for _ in range(100):
            if not self.keys(prefix):
                return True
            await asyncio.sleep(0.05)
        return False


@contextmanager
def moto_s3(bucket: str) -> Iterator[S3]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).create_bucket(Bucket=bucket)
    try:
        yield S3(endpoint, bucket)
    finally:
        server.stop()


@asynccontextmanager
async def client_on(
    s3: S3,
    make_settings: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
    **overrides: Any,
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app (in process) whose storage is the bucket; `overrides` go to settings."""
    from tests.conftest import asgi_client, running_app

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    async for app in running_app(make_settings(storage_url=s3.storage_url, **overrides)):
        async with asgi_client(app) as client:
            yield client
