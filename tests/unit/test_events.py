"""Every bus event survives the trip through the bus (JSON) unchanged, and names its dispatch."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from parley import events as ev
from parley.realtime import events as gateway

CARD = {"id": 2, "username": "bob", "display_name": "Bob", "avatar_key": None}
MESSAGE = {
    "id": 10,
    "channel_id": 3,
    "author_id": 1,
    "content": "hello",
    "reply_to_id": None,
    "mention_ids": [2],
    "mention_everyone": False,
    "created_at": "2026-12-01T09:52:17.065018Z",
    "edited_at": None,
    "deleted_at": None,
}
ATTACHMENT = {
    "id": 4,
    "filename": "cat.webp",
    "content_type": "image/webp",
    "size": 1234,
    "width": 64,
    "height": 48,
    "url": "/v1/attachments/4",
    "thumbnail_url": "/v1/attachments/4/thumbnail",
}
REACTION = {"channel_id": 3, "message_id": 10, "user_id": 2, "emoji": "👍", "count": 1}
CHANNEL = {
    "id": 3,
    "kind": "group",
    "name": "team",
    "owner_id": 1,
    "encrypted": False,
    "member_ids": [1, 2],
}

EXAMPLES: dict[type[ev.BusEvent], dict[str, Any]] = {
    ev.MessageCreated: {"user_ids": [1, 2], "data": {**MESSAGE, "attachments": [ATTACHMENT]}},
    ev.MessageUpdated: {"user_ids": [1, 2], "data": {**MESSAGE, "content": "edited"}},
    ev.MessageDeleted: {"user_ids": [1, 2], "data": {"id": 10, "channel_id": 3}},
    ev.ReactionAdded: {"user_ids": [1, 2], "data": REACTION},
    ev.ReactionRemoved: {"user_ids": [1, 2], "data": {**REACTION, "count": 0}},
    ev.MentionCreated: {
        "user_ids": [2],
        "data": {"channel_id": 3, "message_id": 10, "author_id": 1, "everyone": False},
    },
    ev.ChannelCreated: {"user_ids": [1, 2], "data": CHANNEL},
    ev.ChannelUpdated: {"user_ids": [1, 2], "data": {**CHANNEL, "name": "renamed"}},
    ev.ChannelDeleted: {"user_ids": [1], "data": {"id": 3}},
    ev.ChannelMemberAdded: {"user_ids": [1, 2], "data": {"channel_id": 3, "user": CARD}},
    ev.ChannelMemberRemoved: {"user_ids": [1, 2], "data": {"channel_id": 3, "user_id": 2}},
    ev.TypingStarted: {
        "user_ids": [2],
        "data": {"channel_id": 3, "user_id": 1, "timestamp": 1796118717},
    },
    ev.ReadStateUpdated: {
        "user_ids": [1],
        "data": {"channel_id": 3, "last_read_message_id": 10, "session_id": None},
    },
    ev.FriendRequested: {
        "user_ids": [1, 2],
        "data": {"id": 5, "from_user": {**CARD, "id": 1, "username": "alice"}, "to_user": CARD},
    },
    ev.FriendAdded: {"user_ids": [1], "data": {"user": CARD}},
    ev.FriendRemoved: {"user_ids": [1], "data": {"user_id": 2}},
    ev.PresenceUpdated: {"user_ids": [2], "data": {"user_id": 1, "status": "online"}},
    ev.UserUpdated: {"user_ids": [1], "data": {"user_id": 1, "profile_version": 4}},
    ev.IdentityLinked: {"user_ids": [1], "data": {"provider": "vk", "external_id": "42"}},
    ev.IdentityUnlinked: {"user_ids": [1], "data": {"provider": "vk"}},
    ev.UserCreated: {"user_id": 1},
    ev.SessionRevoked: {"user_id": 1, "session_ids": [7, 8], "reason": "logout"},
    ev.KeysRotated: {"kid": "k1"},
    ev.DataVersionBumped: {"name": "schedule", "version": 3},
    ev.AttachmentPurged: {"keys": ["attachments/3/abc", "attachments/3/abc-thumb"]},
    ev.QrUpdated: {"hub": "client-1", "data": {"ticket_id": 9, "event": "approved"}},
}


def test_every_event_has_an_example_and_a_unique_topic() -> None:
    assert set(EXAMPLES) == set(ev.EVENTS)
    assert len(ev.BY_TOPIC) == len(ev.EVENTS)


@pytest.mark.parametrize("event_type", ev.EVENTS, ids=lambda event: event.topic)
def test_event_round_trips_through_the_bus_unchanged(event_type: type[ev.BusEvent]) -> None:
    event = event_type.model_validate(EXAMPLES[event_type])
    wire = orjson.loads(orjson.dumps(event.model_dump(mode="json")))
    assert wire == EXAMPLES[event_type]
    assert ev.BY_TOPIC[event.topic].model_validate(wire) == event


def test_events_are_frozen_and_refuse_unknown_fields() -> None:
    event = ev.UserCreated(user_id=1)
    with pytest.raises(ValidationError):
        event.user_id = 2  # type: ignore[misc]
    with pytest.raises(ValidationError):
        ev.UserCreated.model_validate({"user_id": 1, "extra": True})


def test_gateway_dispatch_names_come_from_the_events() -> None:
    assert gateway.DISPATCH_NAMES == ev.DISPATCH_NAMES
    assert ev.DISPATCH_NAMES["message.created"] == "MESSAGE_CREATE"
    assert "user.updated" not in ev.DISPATCH_NAMES
