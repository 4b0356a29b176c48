"""Direct uploads: a slot, a PUT straight to the bucket (S3, moto in server mode, over real
HTTP), then completing the slot into an ordinary attachment; with the file backend, a 409."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from parley.kit.time import clock
from parley.settings import Settings
from tests.conftest import asgi_client, running_app
from tests.support.accounts import PASSWORD, Account, new_account
from tests.support.images import image_bytes, jpeg_with_exif
from tests.support.s3 import S3, client_on, moto_s3
from tests.support.social import befriend, open_dm, open_group, send

BUCKET = "parley-direct"
MULTIPART_CAP = 2000
LARGE_CAP = 8000
TTL = 60


@pytest.fixture(scope="module")
def s3() -> Iterator[S3]:
    with moto_s3(BUCKET) as running:
        yield running


@pytest.fixture
async def client(
    s3: S3, make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    async with client_on(
        s3,
        make_settings,
        monkeypatch,
        attachment_max_bytes=MULTIPART_CAP,
        attachment_max_large_bytes=LARGE_CAP,
        attachment_upload_ttl_seconds=TTL,
    ) as c:
        yield c


async def ask(
    client: httpx.AsyncClient, who: Account, channel_id: int, size: int, **body: Any
) -> httpx.Response:
    return await client.post(
        f"/v1/channels/{channel_id}/attachments/uploads",
        json={"filename": "big.bin", "size": size, **body},
        headers=who.headers,
    )


async def slot_for(
    client: httpx.AsyncClient, who: Account, channel_id: int, data: bytes, **body: Any
) -> dict[str, Any]:
    """A slot for `data`, with the file PUT to it."""
    asked = await ask(client, who, channel_id, len(data), **body)
    assert asked.status_code == 201, asked.text
    slot: dict[str, Any] = asked.json()
    await put(slot, data)
    return slot


async def put(slot: dict[str, Any], data: bytes) -> None:
    assert slot["method"] == "PUT"
    async with httpx.AsyncClient() as bucket:
        stored = await bucket.put(slot["url"], content=data, headers=slot["headers"])
    assert stored.status_code == 200, stored.text


async def complete(
    client: httpx.AsyncClient, who: Account, channel_id: int, slot: dict[str, Any]
) -> httpx.Response:
    return await client.post(
        f"/v1/channels/{channel_id}/attachments/uploads/{slot['upload_id']}/complete",
        headers=who.headers,
    )


async def completed(
    client: httpx.AsyncClient, who: Account, channel_id: int, slot: dict[str, Any]
) -> dict[str, Any]:
    done = await complete(client, who, channel_id, slot)
    assert done.status_code == 201, done.text
    attachment: dict[str, Any] = done.json()
    return attachment


async def test_a_large_file_goes_straight_to_the_bucket_and_is_sent(
    s3: S3, client: httpx.AsyncClient
) -> None:
    alice = await new_account(client, "da")
    bob = await new_account(client, "db")
    mallory = await new_account(client, "dm")
    channel_id = await open_dm(client, alice, bob)
    data = b"%PDF-1.7\n" + b"x" * (MULTIPART_CAP * 2)
    slot = await slot_for(client, alice, channel_id, data, content_type="application/pdf")
    assert slot["headers"] == {"Content-Type": "application/pdf"}
    assert slot["expires_at"]
    file = await completed(client, alice, channel_id, slot)
    assert file["content_type"] == "application/pdf"
    assert file["size"] == len(data)
    assert file["filename"] == "big.bin"
    again = await complete(client, alice, channel_id, slot)
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "upload_not_found"
    await send(client, alice, channel_id, "the report", attachment_ids=[file["id"]])
    fetched = await client.get(file["url"], headers=bob.headers)
    assert fetched.status_code == 200
    assert fetched.content == data
    assert (await client.get(file["url"], headers=mallory.headers)).status_code == 404


async def test_images_are_reencoded_up_to_the_multipart_cap_and_kept_above_it(
    client: httpx.AsyncClient,
) -> None:
    alice = await new_account(client, "ia")
    bob = await new_account(client, "ib")
    channel_id = await open_dm(client, alice, bob)
    small = jpeg_with_exif()
    image = await completed(
        client, alice, channel_id, await slot_for(client, alice, channel_id, small)
    )
    assert image["content_type"] == "image/webp"
    assert (image["width"], image["height"]) == (64, 48)
    assert image["filename"] == "big.webp"
    thumbnail = await client.get(image["thumbnail_url"], headers=alice.headers)
    assert thumbnail.status_code == 200
    reencoded = (await client.get(image["url"], headers=alice.headers)).content
    assert reencoded.startswith(b"RIFF")
    assert b"SpyCam" not in reencoded
    large = image_bytes() + b"\0" * MULTIPART_CAP  # a PNG, above the multipart cap
    kept = await completed(
        client, alice, channel_id, await slot_for(client, alice, channel_id, large)
    )
    assert kept["content_type"] == "application/octet-stream"
    assert kept["thumbnail_url"] is None
    assert (await client.get(kept["url"], headers=alice.headers)).content == large


async def test_completing_needs_the_declared_file_in_the_bucket_and_your_own_slot(
    client: httpx.AsyncClient,
) -> None:
    alice = await new_account(client, "ca")
    bob = await new_account(client, "cb")
    channel_id = await open_dm(client, alice, bob)
    too_large = await ask(client, alice, channel_id, LARGE_CAP + 1)
    assert too_large.status_code == 413
    assert too_large.json()["error"]["code"] == "attachment_too_large"
    assert (await ask(client, alice, channel_id, 0)).status_code == 422
    slot = (await ask(client, alice, channel_id, 100)).json()
    missing = await complete(client, alice, channel_id, slot)
    assert missing.status_code == 409
    assert missing.json()["error"]["code"] == "upload_incomplete"
    await put(slot, b"y" * 100)
    for who, where in ((bob, channel_id), (alice, channel_id + 1000)):
        foreign = await complete(client, who, where, slot)
        assert foreign.status_code == 404, foreign.text
    # moto does not check signatures; S3 itself refuses a body of another length than signed
    await put(slot, b"y" * 101)
    assert (await complete(client, alice, channel_id, slot)).status_code == 400
    await put(slot, b"y" * (LARGE_CAP + 1))
    assert (await complete(client, alice, channel_id, slot)).status_code == 413
    await put(slot, b"y" * 100)
    assert (await completed(client, alice, channel_id, slot))["content_type"].startswith("text/")


async def test_members_only_blocks_and_encrypted_channels(client: httpx.AsyncClient) -> None:
    alice = await new_account(client, "ma")
    bob = await new_account(client, "mb")
    mallory = await new_account(client, "mm")
    channel_id = await open_dm(client, alice, bob)
    assert (await ask(client, mallory, channel_id, 10)).status_code == 404
    await client.post("/v1/blocks", json={"user_id": bob.id}, headers=alice.headers)
    assert (await ask(client, bob, channel_id, 10)).status_code == 403
    await befriend(client, alice, mallory)
    keys = {str(alice.id): "a2V5", str(mallory.id): "a2V5"}
    sealed_channel = await open_dm(client, alice, mallory, encrypted_keys=keys)
    sealed = jpeg_with_exif()  # looks like an image, but the server must not touch it
    slot = await slot_for(client, alice, sealed_channel, sealed, content_type="image/jpeg")
    assert slot["headers"] == {"Content-Type": "application/octet-stream"}
    file = await completed(client, alice, sealed_channel, slot)
    assert file["content_type"] == "application/octet-stream"
    assert file["thumbnail_url"] is None
    await send(client, alice, sealed_channel, "c2VhbGVk", attachment_ids=[file["id"]])
    assert (await client.get(file["url"], headers=mallory.headers)).content == sealed


async def test_slots_expire_and_are_swept_with_their_objects(
    s3: S3, client: httpx.AsyncClient
) -> None:
    alice = await new_account(client, "ea")
    bob = await new_account(client, "eb")
    channel_id = await open_dm(client, alice, bob)
    slot = await slot_for(client, alice, channel_id, b"late")
    prefix = f"attachments/{channel_id}/"
    assert len(s3.keys(prefix)) == 1
    clock.advance(2 * TTL + 1)
    expired = await complete(client, alice, channel_id, slot)
    assert expired.status_code == 404
    assert len(s3.keys(prefix)) == 1
    await ask(client, bob, channel_id, 10)  # the next slot request sweeps
    assert await s3.emptied(prefix)


async def test_open_slots_are_capped_and_go_with_their_group_or_account(
    s3: S3, client: httpx.AsyncClient
) -> None:
    alice = await new_account(client, "ga")
    bob = await new_account(client, "gb")
    group_id = await open_group(client, alice, bob)
    await slot_for(client, alice, group_id, b"group file")
    for _ in range(20):
        assert (await ask(client, bob, group_id, 10)).status_code == 201
    capped = await ask(client, bob, group_id, 10)
    assert capped.status_code == 409
    assert capped.json()["error"]["code"] == "too_many_uploads"
    assert (
        await client.delete(f"/v1/channels/{group_id}", headers=alice.headers)
    ).status_code == 204
    assert await s3.emptied(f"attachments/{group_id}/")
    channel_id = await open_dm(client, alice, bob)
    await slot_for(client, bob, channel_id, b"bob's file")
    gone = await client.request(
        "DELETE", "/v1/users/me", json={"password": PASSWORD}, headers=bob.headers
    )
    assert gone.status_code == 204, gone.text
    assert await s3.emptied(f"attachments/{channel_id}/")


async def test_the_file_backend_takes_no_direct_uploads(
    make_settings: Callable[..., Settings],
) -> None:
    async for app in running_app(make_settings()):
        async with asgi_client(app) as client:
            alice = await new_account(client, "fa")
            bob = await new_account(client, "fb")
            channel_id = await open_dm(client, alice, bob)
            refused = await ask(client, alice, channel_id, 10)
            assert refused.status_code == 409
            assert refused.json()["error"]["code"] == "direct_uploads_unavailable"
            assert "multipart" in refused.json()["error"]["message"]
            done = await client.post(
                f"/v1/channels/{channel_id}/attachments/uploads/1/complete", headers=alice.headers
            )
            assert done.status_code == 409


async def test_the_pages_csp_lets_the_web_client_put_to_the_bucket(
    s3: S3, client: httpx.AsyncClient
) -> None:
    page = await client.get("/")
    assert f"connect-src 'self' {s3.endpoint} " in page.headers["content-security-policy"]
