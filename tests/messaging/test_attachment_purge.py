"""Attachment objects leave the storage (S3, moto in server mode) with their messages and
groups: a deleted message, a deleted group, the last member leaving a group, an account
deletion that leaves a group empty."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest

from parley.settings import Settings
from tests.support.accounts import PASSWORD, Account, new_account
from tests.support.images import image_bytes
from tests.support.s3 import S3, client_on, moto_s3
from tests.support.social import open_dm, open_group, send

BUCKET = "parley-attachments"


@pytest.fixture(scope="module")
def s3() -> Iterator[S3]:
    with moto_s3(BUCKET) as running:
        yield running


@pytest.fixture
async def s3_client(
    s3: S3, make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    async with client_on(s3, make_settings, monkeypatch) as client:
        yield client


async def attach(client: httpx.AsyncClient, who: Account, channel_id: int, *, sent: bool) -> int:
    """An image (object and thumbnail) uploaded into the channel, sent with a message or not;
    the message id (0 for an unsent upload)."""
    up = await client.post(
        f"/v1/channels/{channel_id}/attachments",
        files={"file": ("p.png", image_bytes(), "image/png")},
        headers=who.headers,
    )
    assert up.status_code == 201, up.text
    if not sent:
        return 0
    message = await send(client, who, channel_id, "file", attachment_ids=[up.json()["id"]])
    return int(message["id"])


async def leave(client: httpx.AsyncClient, who: Account, channel_id: int) -> None:
    left = await client.delete(f"/v1/channels/{channel_id}/members/{who.id}", headers=who.headers)
    assert left.status_code == 204, left.text


async def test_a_deleted_message_takes_its_objects(s3: S3, s3_client: httpx.AsyncClient) -> None:
    alice = await new_account(s3_client, "pa")
    bob = await new_account(s3_client, "pb")
    channel_id = await open_dm(s3_client, alice, bob)
    message_id = await attach(s3_client, alice, channel_id, sent=True)
    await attach(s3_client, alice, channel_id, sent=False)
    prefix = f"attachments/{channel_id}/"
    assert len(s3.keys(prefix)) == 4  # two images, two thumbnails
    deleted = await s3_client.delete(
        f"/v1/channels/{channel_id}/messages/{message_id}", headers=alice.headers
    )
    assert deleted.status_code == 204
    for _ in range(100):
        if len(s3.keys(prefix)) == 2:
            break
        await asyncio.sleep(0.05)
    assert len(s3.keys(prefix)) == 2  # the unsent upload stays


async def test_a_deleted_group_takes_every_object(s3: S3, s3_client: httpx.AsyncClient) -> None:
    alice = await new_account(s3_client, "pa")
    bob = await new_account(s3_client, "pb")
    group_id = await open_group(s3_client, alice, bob)
    await attach(s3_client, bob, group_id, sent=True)
    await attach(s3_client, bob, group_id, sent=False)
    assert s3.keys(f"attachments/{group_id}/")
    deleted = await s3_client.delete(f"/v1/channels/{group_id}", headers=alice.headers)
    assert deleted.status_code == 204
    assert await s3.emptied(f"attachments/{group_id}/")


async def test_the_last_member_out_takes_every_object(s3: S3, s3_client: httpx.AsyncClient) -> None:
    alice = await new_account(s3_client, "pa")
    bob = await new_account(s3_client, "pb")
    group_id = await open_group(s3_client, alice, bob)
    await attach(s3_client, alice, group_id, sent=True)
    await attach(s3_client, bob, group_id, sent=True)
    prefix = f"attachments/{group_id}/"
    await leave(s3_client, alice, group_id)
    await asyncio.sleep(0.3)
    assert len(s3.keys(prefix)) == 4  # bob is still there: nothing goes
    await leave(s3_client, bob, group_id)
    assert await s3.emptied(prefix)


async def test_an_account_deletion_emptying_a_group_takes_every_object(
    s3: S3, s3_client: httpx.AsyncClient
) -> None:
    alice = await new_account(s3_client, "pa")
    bob = await new_account(s3_client, "pb")
    group_id = await open_group(s3_client, alice, bob)
    await attach(s3_client, bob, group_id, sent=True)  # bob's file, left behind by bob
    await leave(s3_client, bob, group_id)
    await attach(s3_client, alice, group_id, sent=False)
    gone = await s3_client.request(
        "DELETE", "/v1/users/me", json={"password": PASSWORD}, headers=alice.headers
    )
    assert gone.status_code == 204, gone.text
    assert await s3.emptied(f"attachments/{group_id}/")


async def test_only_a_member_can_leave_and_nothing_goes_when_refused(
    s3: S3, s3_client: httpx.AsyncClient
) -> None:
    alice = await new_account(s3_client, "pa")
    bob = await new_account(s3_client, "pb")
    mallory = await new_account(s3_client, "pm")
    group_id = await open_group(s3_client, alice, bob)
    await attach(s3_client, alice, group_id, sent=True)
    await leave(s3_client, bob, group_id)
    # mallory reaches for alice's group: alice is its last member
    refused = await s3_client.delete(
        f"/v1/channels/{group_id}/members/{alice.id}", headers=mallory.headers
    )
    assert refused.status_code == 404
    await asyncio.sleep(0.3)
    assert len(s3.keys(f"attachments/{group_id}/")) == 2
