from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from PIL import Image

from parley.runtime import Runtime
from tests.support.accounts import Account
from tests.support.images import animated_gif, huge_png, image_bytes, jpeg_with_exif, zip_file


def stored_files(runtime: Runtime, user_id: int) -> list[Path]:
    folder = runtime.settings.data_dir / "media" / "avatars" / str(user_id)
    return sorted(p for p in folder.glob("*")) if folder.exists() else []


async def upload(
    client: httpx.AsyncClient, account: Account, data: bytes, filename: str = "a.png"
) -> httpx.Response:
    return await client.put(
        "/v1/users/me/avatar",
        files={"file": (filename, data, "application/octet-stream")},
        headers=account.headers,
    )


async def test_upload_reencodes_strips_metadata_and_serves_with_cache_headers(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account, bob: Account
) -> None:
    response = await upload(client, alice, jpeg_with_exif(), "me.jpg")
    assert response.status_code == 200, response.text
    me = response.json()
    assert me["avatar_url"].startswith("http://testserver/media/avatars/")
    assert me["avatar_thumbnail_url"].startswith("http://testserver/media/avatars/")
    served = await client.get(me["avatar_url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/webp"
    assert "max-age=31536000" in served.headers["cache-control"]
    image = Image.open(io.BytesIO(served.content))
    assert image.format == "WEBP"
    assert not image.getexif()
    assert "exif" not in image.info
    thumb = await client.get(me["avatar_thumbnail_url"])
    assert Image.open(io.BytesIO(thumb.content)).size[0] <= runtime.settings.avatar_thumb_side
    # others see the same absolute URL
    public = (await client.get(f"/v1/users/{alice.id}", headers=bob.headers)).json()
    assert public["avatar_url"] == me["avatar_url"]


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (image_bytes("PNG", mode="RGBA"), "a.png"),
        (image_bytes("WEBP"), "a.webp"),
        (animated_gif(), "a.gif"),
        (image_bytes("PNG"), None),
    ],
)
async def test_accepted_formats(
    client: httpx.AsyncClient, alice: Account, data: bytes, filename: str | None
) -> None:
    response = await upload(client, alice, data, filename or "blob")
    assert response.status_code == 200, response.text


async def test_large_images_are_capped(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account
) -> None:
    response = await upload(client, alice, image_bytes("PNG", size=(3000, 1500)))
    served = await client.get(response.json()["avatar_url"])
    side = runtime.settings.avatar_max_side
    assert Image.open(io.BytesIO(served.content)).size == (side, side // 2)


async def test_new_upload_replaces_old_files_and_delete_removes_them(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account
) -> None:
    first = (await upload(client, alice, image_bytes())).json()
    old_files = stored_files(runtime, alice.id)
    assert len(old_files) == 2
    second = (await upload(client, alice, image_bytes("JPEG"), "b.jpeg")).json()
    assert second["avatar_url"] != first["avatar_url"]
    assert second["profile_version"] > first["profile_version"]
    assert (await client.get(first["avatar_url"])).status_code == 404
    new_files = stored_files(runtime, alice.id)
    assert len(new_files) == 2
    assert not set(new_files) & set(old_files)
    deleted = await client.delete("/v1/users/me/avatar", headers=alice.headers)
    assert deleted.status_code == 200
    assert deleted.json()["avatar_url"] is None
    assert stored_files(runtime, alice.id) == []
    again = await client.delete("/v1/users/me/avatar", headers=alice.headers)
    assert again.status_code == 200


async def test_avatar_endpoints_need_a_token(client: httpx.AsyncClient) -> None:
    files = {"file": ("a.png", image_bytes(), "image/png")}
    assert (await client.put("/v1/users/me/avatar", files=files)).status_code == 401
    assert (await client.delete("/v1/users/me/avatar")).status_code == 401


HOSTILE = {
    "empty": (b"", "a.png"),
    "truncated": (image_bytes("PNG", size=(200, 200))[:150], "a.png"),
    "truncated_jpeg": (image_bytes("JPEG", size=(200, 200))[:300], "a.jpg"),
    "zip_as_png": (zip_file(), "a.png"),
    "text_as_png": (b"<?php echo 1; ?>", "a.png"),
    "wrong_extension": (image_bytes("PNG"), "a.jpg"),
    "not_an_image_extension": (image_bytes("PNG"), "a.exe"),
    "bmp": (image_bytes("BMP"), "a"),
    "fifty_megapixels": (huge_png(50), "a.png"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
async def test_hostile_uploads_are_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account, case: str
) -> None:
    data, filename = HOSTILE[case]
    response = await upload(client, alice, data, filename)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]["code"] == "invalid_image"
    assert stored_files(runtime, alice.id) == []
    me = (await client.get("/v1/users/me/profile", headers=alice.headers)).json()
    assert me["avatar_url"] is None
    assert me["profile_version"] == 0


async def test_oversized_upload_is_413(
    client: httpx.AsyncClient, runtime: Runtime, alice: Account
) -> None:
    data = b"\x89PNG" + b"\0" * runtime.settings.avatar_max_bytes
    response = await upload(client, alice, data)
    assert response.status_code == 413
    assert stored_files(runtime, alice.id) == []


async def test_missing_file_field_is_422(client: httpx.AsyncClient, alice: Account) -> None:
    response = await client.put("/v1/users/me/avatar", data={"other": "x"}, headers=alice.headers)
    assert response.status_code == 422


async def test_media_paths_cannot_escape_the_media_folder(client: httpx.AsyncClient) -> None:
    for path in ("/media/../keys/x", "/media/%2e%2e/keys", "/media/.hidden", "/media/nope.webp"):
        assert (await client.get(path)).status_code == 404, path
