"""Attachments through the native API: upload, send, fetch as a member, delete."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from PIL import Image

from parley.runtime import Runtime
from parley.settings import Settings
from tests.conftest import asgi_client, running_app
from tests.support.accounts import PASSWORD, Account, new_account
from tests.support.images import huge_png, jpeg_with_exif
from tests.support.social import EventLog, befriend, open_dm, send


@pytest.fixture(scope="session")
def event_log(runtime: Runtime) -> EventLog:
    return EventLog(runtime)


async def upload(
    client: httpx.AsyncClient, who: Account, channel_id: int, data: bytes, name: str = "f.bin"
) -> httpx.Response:
    return await client.post(
        f"/v1/channels/{channel_id}/attachments",
        files={"file": (name, data, "image/png")},  # the declared type is ignored
        headers=who.headers,
    )


async def uploaded(
    client: httpx.AsyncClient, who: Account, channel_id: int, data: bytes, name: str = "f.bin"
) -> dict:
    response = await upload(client, who, channel_id, data, name)
    assert response.status_code == 201, response.text
    body: dict = response.json()
    return body


def stored_objects(data_dir: Path) -> set[str]:
    root = data_dir / "media" / "attachments"
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


async def purged(data_dir: Path, channel_id: int) -> bool:
    """Objects go after commit (a bus event, possibly through Redis): wait up to 3 s."""
    for _ in range(60):
        if not [k for k in stored_objects(data_dir) if k.startswith(f"{channel_id}/")]:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_an_image_is_re_encoded_with_a_thumbnail_and_sent_with_a_message(
    client: httpx.AsyncClient, alice: Account, bob: Account, event_log: EventLog
) -> None:
    channel_id = await open_dm(client, alice, bob)
    photo = await uploaded(client, alice, channel_id, jpeg_with_exif(), "holiday.jpg")
    assert photo["content_type"] == "image/webp"
    assert photo["filename"] == "holiday.webp"
    assert (photo["width"], photo["height"]) == (64, 48)
    assert photo["url"] == f"/v1/attachments/{photo['id']}"
    # not sent yet: only the uploader sees it
    assert (await client.get(photo["url"], headers=bob.headers)).status_code == 404
    mark = event_log.mark()
    response = await client.post(
        f"/v1/channels/{channel_id}/messages",
        json={"attachment_ids": [photo["id"]]},
        headers=alice.headers,
    )
    assert response.status_code == 201, response.text
    message = response.json()
    assert message["content"] == ""
    assert [a["id"] for a in message["attachments"]] == [photo["id"]]
    created = event_log.to(mark, bob.id, "message.created")[0]
    assert created["attachments"] == message["attachments"]
    fetched = await client.get(photo["url"], headers=bob.headers)
    assert fetched.status_code == 200
    assert fetched.headers["content-type"] == "image/webp"
    assert fetched.headers["x-content-type-options"] == "nosniff"
    assert fetched.headers["content-disposition"].startswith("inline")
    with Image.open(io.BytesIO(fetched.content)) as image:
        assert image.format == "WEBP"
        assert not image.getexif()
    thumb = await client.get(photo["thumbnail_url"], headers=bob.headers)
    assert thumb.status_code == 200
    history = (await client.get(f"/v1/channels/{channel_id}/messages", headers=bob.headers)).json()
    assert history["items"][0]["attachments"] == message["attachments"]
    # used once only
    again = await client.post(
        f"/v1/channels/{channel_id}/messages",
        json={"content": "again", "attachment_ids": [photo["id"]]},
        headers=alice.headers,
    )
    assert again.status_code == 404


async def test_files_are_sniffed_and_served_as_downloads(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    channel_id = await open_dm(client, alice, bob)
    pdf = await uploaded(client, alice, channel_id, b"%PDF-1.4 not really", "report.pdf")
    assert pdf["content_type"] == "application/pdf"
    html = await uploaded(client, alice, channel_id, b"<script>alert(1)</script>", "x.html")
    assert html["content_type"] == "text/plain; charset=utf-8"
    blob = await uploaded(client, alice, channel_id, bytes(range(256)), "../../etc/passwd")
    assert blob["content_type"] == "application/octet-stream"
    assert blob["filename"] == "passwd"
    await send(
        client, alice, channel_id, "files", attachment_ids=[pdf["id"], html["id"], blob["id"]]
    )
    served = await client.get(html["url"], headers=bob.headers)
    assert served.headers["content-type"] == "text/plain; charset=utf-8"
    assert served.headers["content-disposition"].startswith("attachment")
    assert served.content == b"<script>alert(1)</script>"
    assert (await client.get(pdf["url"] + "/thumbnail", headers=bob.headers)).status_code == 404


async def test_non_members_and_blocked_users_cannot_fetch_or_upload(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    outsider = await new_account(client, "outsider")
    channel_id = await open_dm(client, alice, bob)
    file = await uploaded(client, alice, channel_id, b"secret plans")
    await send(client, alice, channel_id, "plans", attachment_ids=[file["id"]])
    assert (await client.get(file["url"], headers=outsider.headers)).status_code == 404
    assert (await client.get(file["url"])).status_code == 401
    assert (
        await client.get("/v1/attachments/999999999999", headers=bob.headers)
    ).status_code == 404
    assert (await upload(client, outsider, channel_id, b"x")).status_code == 404
    # the media route never serves attachments
    assert (await client.get(f"/media/attachments/{channel_id}/x")).status_code == 404
    # an outsider cannot send someone else's upload elsewhere
    theirs = await open_dm(client, outsider, alice)
    stolen = await client.post(
        f"/v1/channels/{theirs}/messages",
        json={"content": "mine", "attachment_ids": [file["id"]]},
        headers=outsider.headers,
    )
    assert stolen.status_code == 404
    await client.post("/v1/blocks", json={"user_id": bob.id}, headers=alice.headers)
    assert (await client.get(file["url"], headers=bob.headers)).status_code == 403
    assert (await upload(client, bob, channel_id, b"x")).status_code == 403


async def test_deleting_the_message_deletes_its_files(
    client: httpx.AsyncClient, alice: Account, bob: Account, data_dir: Path
) -> None:
    channel_id = await open_dm(client, alice, bob)
    image = await uploaded(client, alice, channel_id, jpeg_with_exif(), "a.jpg")
    before = stored_objects(data_dir)
    assert len([k for k in before if k.startswith(f"{channel_id}/")]) == 2
    message = await send(client, alice, channel_id, "pic", attachment_ids=[image["id"]])
    deleted = await client.delete(
        f"/v1/channels/{channel_id}/messages/{message['id']}", headers=alice.headers
    )
    assert deleted.status_code == 204
    assert (await client.get(image["url"], headers=alice.headers)).status_code == 404
    assert await purged(data_dir, channel_id)


async def test_encrypted_channels_store_opaque_ciphertext(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    await befriend(client, alice, bob)
    keys = {str(alice.id): "a2V5", str(bob.id): "a2V5"}
    channel_id = await open_dm(client, alice, bob, encrypted_keys=keys)
    sealed = jpeg_with_exif()  # looks like an image, but the server must not touch it
    file = await uploaded(client, alice, channel_id, sealed, "x.jpg")
    assert file["content_type"] == "application/octet-stream"
    assert file["thumbnail_url"] is None
    await send(client, alice, channel_id, "c2VhbGVk", attachment_ids=[file["id"]])
    assert (await client.get(file["url"], headers=bob.headers)).content == sealed


async def test_size_cap_bad_images_and_count_cap(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(attachment_max_bytes=1000, attachment_max_per_message=2)
    async for app in running_app(settings):
        async with asgi_client(app) as client:
            alice = await new_account(client, "alice")
            bob = await new_account(client, "bob")
            channel_id = await open_dm(client, alice, bob)
            big = await upload(client, alice, channel_id, b"x" * 1001)
            assert big.status_code == 413
            assert (await upload(client, alice, channel_id, b"")).status_code == 400
            broken = await upload(client, alice, channel_id, b"\x89PNG\r\n\x1a\n broken")
            assert broken.status_code == 400
            ids = [(await uploaded(client, alice, channel_id, b"ok"))["id"] for _ in range(3)]
            three = await client.post(
                f"/v1/channels/{channel_id}/messages",
                json={"content": "3", "attachment_ids": ids},
                headers=alice.headers,
            )
            assert three.status_code == 400


async def test_a_decompression_bomb_is_refused(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    channel_id = await open_dm(client, alice, bob)
    assert (await upload(client, alice, channel_id, huge_png(50), "bomb.png")).status_code == 400


async def test_deleting_an_account_deletes_its_files(
    client: httpx.AsyncClient, alice: Account, bob: Account, data_dir: Path
) -> None:
    channel_id = await open_dm(client, alice, bob)
    file = await uploaded(client, alice, channel_id, b"bye")
    await send(client, alice, channel_id, "bye", attachment_ids=[file["id"]])
    await client.request(
        "DELETE", "/v1/users/me", json={"password": PASSWORD}, headers=alice.headers
    )
    assert (await client.get(file["url"], headers=bob.headers)).status_code == 404
    assert await purged(data_dir, channel_id)


async def test_deleting_a_group_deletes_its_files(
    client: httpx.AsyncClient, alice: Account, bob: Account, data_dir: Path
) -> None:
    await befriend(client, alice, bob)
    group = await client.post(
        "/v1/channels", json={"name": "g", "member_ids": [bob.id]}, headers=alice.headers
    )
    group_id = group.json()["id"]
    sent = await uploaded(client, bob, group_id, b"in a message")
    await send(client, bob, group_id, "file", attachment_ids=[sent["id"]])
    await uploaded(client, bob, group_id, b"never sent")
    assert (await client.delete(f"/v1/channels/{group_id}", headers=bob.headers)).status_code == 403
    assert (await client.get(sent["url"], headers=alice.headers)).status_code == 200
    assert (
        await client.delete(f"/v1/channels/{group_id}", headers=alice.headers)
    ).status_code == 204
    assert await purged(data_dir, group_id)
