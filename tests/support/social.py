"""Helpers for social and messaging tests, through the real native API."""

from __future__ import annotations

from typing import Any

import httpx

from parley.infra.bus import Event
from parley.runtime import Runtime
from tests.support.accounts import Account


class EventLog:
    """Records every event published on the runtime's bus."""

    def __init__(self, runtime: Runtime) -> None:
        self.events: list[Event] = []
        runtime.bus.subscribe("", self._record)

    async def _record(self, event: Event) -> None:
        self.events.append(event)

    def mark(self) -> int:
        return len(self.events)

    def since(self, mark: int, topic: str | None = None) -> list[Event]:
        return [e for e in self.events[mark:] if topic is None or e.topic == topic]

    def to(self, mark: int, user_id: int, topic: str | None = None) -> list[dict[str, Any]]:
        return [
            e.payload["data"]
            for e in self.since(mark, topic)
            if user_id in e.payload.get("user_ids", [])
        ]


async def befriend(client: httpx.AsyncClient, a: Account, b: Account) -> None:
    """`a` asks, `b` accepts."""
    asked = await client.post("/v1/friends", json={"user_id": b.id}, headers=a.headers)
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["request"]["id"]
    accepted = await client.post(f"/v1/friend-requests/{request_id}/accept", headers=b.headers)
    assert accepted.status_code == 200, accepted.text


async def open_dm(client: httpx.AsyncClient, a: Account, b: Account, **extra: Any) -> int:
    response = await client.post(
        "/v1/channels/direct", json={"user_id": b.id, **extra}, headers=a.headers
    )
    assert response.status_code in (200, 201), response.text
    channel_id: int = response.json()["id"]
    return channel_id


async def open_group(client: httpx.AsyncClient, owner: Account, *members: Account) -> int:
    """A group of the owner and their new friends."""
    for member in members:
        await befriend(client, owner, member)
    ids = [m.id for m in members]
    group = await client.post(
        "/v1/channels", json={"name": "g", "member_ids": ids}, headers=owner.headers
    )
    assert group.status_code == 201, group.text
    return int(group.json()["id"])


async def send(
    client: httpx.AsyncClient, a: Account, channel_id: int, content: str, **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/v1/channels/{channel_id}/messages",
        json={"content": content, **extra},
        headers=a.headers,
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data
