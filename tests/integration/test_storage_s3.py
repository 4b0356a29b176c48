"""The S3 backend against moto in server mode, over real HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from parley.app import create_app
from parley.infra.storage import S3Storage, make_storage
from parley.settings import Settings
from tests.conftest import asgi_client
from tests.support.accounts import new_account
from tests.support.images import image_bytes, zip_file
from tests.support.social import open_dm

BUCKET = "parley-avatars"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    s3.create_bucket(Bucket=BUCKET)
    # avatars are public: the deployment's bucket policy allows anonymous reads
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


@pytest.fixture
def s3_settings(
    s3_endpoint: str, make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    return make_settings(storage_url=f"s3://{BUCKET}?endpoint_url={s3_endpoint}&region=us-east-1")


def test_storage_url_picks_the_backend(s3_endpoint: str, settings: Settings) -> None:
    storage = make_storage(
        f"s3://{BUCKET}?endpoint_url={s3_endpoint}&region=eu-west-1", settings.data_dir, "x"
    )
    assert isinstance(storage, S3Storage)
    assert storage.url("avatars/1/a.webp") == f"{s3_endpoint}/{BUCKET}/avatars/1/a.webp"
    aws = make_storage("s3://b?region=eu-west-1", settings.data_dir, "x")
    assert aws.url("k") == "https://b.s3.eu-west-1.amazonaws.com/k"
    assert isinstance(aws, S3Storage)
    assert aws.upload_origin == "https://b.s3.eu-west-1.amazonaws.com"
    cdn = make_storage("s3://b?public_url=https://cdn.example.com/", settings.data_dir, "x")
    assert cdn.url("k") == "https://cdn.example.com/k"
    with pytest.raises(ValueError, match="STORAGE_URL"):
        make_storage("ftp://x", settings.data_dir, "x")


async def test_avatar_round_trip_through_s3(s3_settings: Settings, s3_endpoint: str) -> None:
    app = create_app(s3_settings)
    async with (
        app.router.lifespan_context(app),
        asgi_client(app) as client,
        httpx.AsyncClient() as web,
    ):
        alice = await new_account(client, "s3")
        refused = await client.put(
            "/v1/users/me/avatar",
            files={"file": ("a.png", zip_file(), "image/png")},
            headers=alice.headers,
        )
        assert refused.status_code == 400
        response = await client.put(
            "/v1/users/me/avatar",
            files={"file": ("a.png", image_bytes(), "image/png")},
            headers=alice.headers,
        )
        assert response.status_code == 200, response.text
        first = response.json()["avatar_url"]
        assert first.startswith(f"{s3_endpoint}/{BUCKET}/avatars/{alice.id}/")
        fetched = await web.get(first)
        assert fetched.status_code == 200
        assert fetched.headers["content-type"] == "image/webp"
        assert "immutable" in fetched.headers["cache-control"]
        assert (await web.get(response.json()["avatar_thumbnail_url"])).status_code == 200
        second = await client.put(
            "/v1/users/me/avatar",
            files={"file": ("b.gif", image_bytes("GIF"), "image/gif")},
            headers=alice.headers,
        )
        assert second.status_code == 200
        assert (await web.get(first)).status_code == 404
        await client.delete("/v1/users/me/avatar", headers=alice.headers)
        assert (await web.get(second.json()["avatar_url"])).status_code == 404
    listing = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    left = listing.list_objects_v2(Bucket=BUCKET, Prefix=f"avatars/{alice.id}/")
    assert left.get("KeyCount", 0) == 0


async def test_attachment_round_trip_through_s3(s3_settings: Settings, s3_endpoint: str) -> None:
    app = create_app(s3_settings)
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        alice = await new_account(client, "s3a")
        bob = await new_account(client, "s3b")
        channel_id = await open_dm(client, alice, bob)
        up = await client.post(
            f"/v1/channels/{channel_id}/attachments",
            files={"file": ("p.png", image_bytes(), "image/png")},
            headers=alice.headers,
        )
        assert up.status_code == 201, up.text
        file = up.json()
        sent = await client.post(
            f"/v1/channels/{channel_id}/messages",
            json={"attachment_ids": [file["id"]]},
            headers=alice.headers,
        )
        assert sent.status_code == 201
        fetched = await client.get(file["url"], headers=bob.headers)
        assert fetched.status_code == 200
        assert fetched.headers["content-type"] == "image/webp"
        assert (await client.get(file["thumbnail_url"], headers=bob.headers)).status_code == 200
        deleted = await client.delete(
            f"/v1/channels/{channel_id}/messages/{sent.json()['id']}", headers=alice.headers
        )
        assert deleted.status_code == 204
        listing = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
        for _ in range(60):
            left = listing.list_objects_v2(Bucket=BUCKET, Prefix=f"attachments/{channel_id}/")
            if left.get("KeyCount", 0) == 0:
                break
            await asyncio.sleep(0.05)
        assert left.get("KeyCount", 0) == 0
