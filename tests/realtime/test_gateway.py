"""The gateway over real websockets: an in-process uvicorn serving the session app (so the
test can publish bus events into it) and real `parley serve` processes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI

from parley.infra.bus import Event
from parley.kit.time import clock
from parley.realtime.hub import Hub
from parley.runtime import Runtime
from parley.settings import Settings
from tests.conftest import REDIS_URL
from tests.support.accounts import Account, new_account
from tests.support.gateway import Gateway, InProcessServer
from tests.support.servers import ServerProcess, start_server
from tests.support.social import befriend, open_dm


@pytest.fixture(scope="module")
async def server(app: FastAPI) -> AsyncIterator[InProcessServer]:
    srv = InProcessServer(app)
    await srv.start()
    yield srv
    await srv.stop()


async def publish(runtime: Runtime, topic: str, user_ids: list[int], **data: object) -> None:
    await runtime.bus.publish(Event(topic, {"user_ids": user_ids, "data": data}))


async def connected(server: InProcessServer, account: Account) -> tuple[Gateway, dict]:
    gw = await Gateway.open(server.ws_url)
    ready = await gw.identify(account.access_token)
    return gw, ready


async def test_identify_answers_ready_and_heartbeats_are_acknowledged(
    server: InProcessServer, alice: Account, settings: Settings
) -> None:
    gw = await Gateway.open(server.ws_url)
    assert gw.hello["d"] == {"heartbeat_interval": settings.gateway_heartbeat_ms}
    ready = await gw.identify(alice.access_token)
    assert ready["user"]["id"] == alice.id
    assert ready["user"]["username"] == alice.username
    assert isinstance(ready["session_id"], str)
    await gw.send(1, 0)
    assert (await gw.recv())["op"] == 11
    await gw.close()


async def test_bad_token_closes_with_authentication_failed(server: InProcessServer) -> None:
    gw = await Gateway.open(server.ws_url)
    await gw.send(2, {"token": "not-a-token"})
    assert await gw.closed() == 4004


async def test_identify_without_a_token_is_a_decode_error(server: InProcessServer) -> None:
    gw = await Gateway.open(server.ws_url)
    await gw.send(2, {"presence": True})
    assert await gw.closed() == 4002


async def test_frames_that_are_not_json_objects_close_the_socket(server: InProcessServer) -> None:
    for raw in ("not json", "[1, 2]", '{"op": "2"}'):
        gw = await Gateway.open(server.ws_url)
        await gw.ws.send(raw)
        assert await gw.closed() == 4002, raw


async def test_ops_before_identify_close_with_not_authenticated(server: InProcessServer) -> None:
    gw = await Gateway.open(server.ws_url)
    await gw.send(0, {})
    assert await gw.closed() == 4003


async def test_identifying_twice_closes_with_already_authenticated(
    server: InProcessServer, alice: Account
) -> None:
    gw, _ = await connected(server, alice)
    await gw.send(2, {"token": alice.access_token})
    assert await gw.closed() == 4005


async def test_unknown_op_after_identify_closes(server: InProcessServer, alice: Account) -> None:
    gw, _ = await connected(server, alice)
    await gw.send(42, {})
    assert await gw.closed() == 4001


async def test_oversize_frame_closes_with_payload_too_large(
    server: InProcessServer, alice: Account
) -> None:
    gw, _ = await connected(server, alice)
    await gw.send(1, "x" * 4100)
    assert await gw.closed() == 4010


async def test_events_reach_only_the_listed_users_with_increasing_sequence(
    server: InProcessServer, runtime: Runtime, alice: Account, bob: Account
) -> None:
    alice_gw, _ = await connected(server, alice)
    bob_gw, _ = await connected(server, bob)
    await publish(runtime, "message.created", [alice.id], id=1, text="for alice")
    await publish(runtime, "typing.started", [alice.id, bob.id], channel_id=7)
    first, second = await alice_gw.dispatch(), await alice_gw.dispatch()
    assert (first["t"], first["s"], first["d"]["text"]) == ("MESSAGE_CREATE", 1, "for alice")
    assert (second["t"], second["s"], second["d"]) == ("TYPING_START", 2, {"channel_id": 7})
    only = await bob_gw.dispatch()
    assert (only["t"], only["s"]) == ("TYPING_START", 1)
    await alice_gw.close()
    await bob_gw.close()


@pytest.mark.parametrize(
    ("topic", "name"),
    [
        ("message.updated", "MESSAGE_UPDATE"),
        ("message.deleted", "MESSAGE_DELETE"),
        ("channel.created", "CHANNEL_CREATE"),
        ("channel.member_added", "CHANNEL_MEMBER_ADD"),
        ("channel.member_removed", "CHANNEL_MEMBER_REMOVE"),
        ("read_state.updated", "READ_STATE_UPDATE"),
        ("friend.request", "FRIEND_REQUEST"),
        ("friend.added", "FRIEND_ADD"),
        ("friend.removed", "FRIEND_REMOVE"),
        ("presence.updated", "PRESENCE_UPDATE"),
    ],
)
async def test_bus_topics_map_to_dispatch_names(
    server: InProcessServer, runtime: Runtime, alice: Account, topic: str, name: str
) -> None:
    gw, _ = await connected(server, alice)
    await publish(runtime, topic, [alice.id], ok=True)
    event = await gw.dispatch()
    assert (event["t"], event["d"]) == (name, {"ok": True})
    await gw.close()


async def test_resume_replays_every_missed_event_in_order(
    server: InProcessServer, runtime: Runtime, alice: Account
) -> None:
    gw, ready = await connected(server, alice)
    await publish(runtime, "message.created", [alice.id], n=1)
    assert (await gw.dispatch())["s"] == 1
    await gw.close()
    for n in (2, 3, 4):
        await publish(runtime, "message.created", [alice.id], n=n)

    again = await Gateway.open(server.ws_url)
    await again.send(6, {"token": alice.access_token, "session_id": ready["session_id"], "seq": 1})
    resumed = await again.dispatch()
    assert resumed["t"] == "RESUMED"
    replayed = [await again.dispatch() for _ in range(3)]
    assert [(e["s"], e["d"]["n"]) for e in replayed] == [(2, 2), (3, 3), (4, 4)]
    await publish(runtime, "message.created", [alice.id], n=5)
    assert (await again.dispatch())["s"] == 5
    await again.close()


async def test_resume_on_a_new_socket_replaces_the_old_one(
    server: InProcessServer, alice: Account
) -> None:
    old, ready = await connected(server, alice)
    new = await Gateway.open(server.ws_url)
    await new.send(6, {"token": alice.access_token, "session_id": ready["session_id"], "seq": 0})
    assert (await new.dispatch())["t"] == "RESUMED"
    assert await old.closed() == 4012
    await new.close()


async def test_resume_after_the_buffer_moved_on_is_an_invalid_session(
    server: InProcessServer, runtime: Runtime, alice: Account, settings: Settings
) -> None:
    gw, ready = await connected(server, alice)
    await gw.close()
    for n in range(settings.gateway_buffer_size + 2):
        await publish(runtime, "typing.started", [alice.id], n=n)
    again = await Gateway.open(server.ws_url)
    await again.send(6, {"token": alice.access_token, "session_id": ready["session_id"], "seq": 0})
    assert await again.recv() == {"op": 9, "d": False}
    # The client starts over on the same socket.
    fresh = await again.identify(alice.access_token)
    assert fresh["session_id"] != ready["session_id"]
    await again.close()


async def test_resume_of_an_unknown_or_foreign_session_is_invalid(
    server: InProcessServer, alice: Account, bob: Account
) -> None:
    alice_gw, ready = await connected(server, alice)
    attempts = ((alice.access_token, "nope"), (bob.access_token, ready["session_id"]))
    for token, session_id in attempts:
        gw = await Gateway.open(server.ws_url)
        await gw.send(6, {"token": token, "session_id": session_id, "seq": 0})
        assert await gw.recv() == {"op": 9, "d": False}
        await gw.close()
    # Bob's attempt did not disturb Alice's connection.
    await alice_gw.send(1, 0)
    assert (await alice_gw.recv())["op"] == 11
    await alice_gw.close()


async def test_revoking_the_session_closes_its_sockets_within_a_second(
    server: InProcessServer, client: httpx.AsyncClient, alice: Account
) -> None:
    gw, ready = await connected(server, alice)
    response = await client.post("/v1/auth/logout", headers=alice.headers)
    assert response.status_code == 204
    started = time.monotonic()
    assert await gw.closed(within=1.0) == 4011
    assert time.monotonic() - started < 1.0
    # Its gateway session is gone too.
    fresh = await new_account(client, "resumer")
    again = await Gateway.open(server.ws_url)
    await again.send(6, {"token": fresh.access_token, "session_id": ready["session_id"], "seq": 0})
    assert await again.recv() == {"op": 9, "d": False}
    await again.close()


# Real `parley serve` processes with their own settings ---------------------------------


@pytest.fixture(scope="module")
def strict_server(
    make_settings: Callable[..., Settings], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """A short heartbeat and a tight inbound limit (5 frames a minute per connection)."""
    settings = make_settings(
        gateway_heartbeat_ms=200, rate_limits_enabled=True, rate_gateway="5/minute"
    )
    srv = start_server(settings, str(tmp_path_factory.mktemp("strict")))
    yield srv
    srv.stop()


def test_missed_heartbeats_close_the_socket(strict_server: ServerProcess, alice: Account) -> None:
    srv = strict_server

    async def scenario() -> None:
        gw = await Gateway.open(srv.ws_url)
        assert gw.hello["d"] == {"heartbeat_interval": 200}
        await gw.identify(alice.access_token)
        for _ in range(3):  # heartbeating keeps it open well past the interval
            await asyncio.sleep(0.15)
            await gw.send(1, 0)
            assert (await gw.recv())["op"] == 11
        started = time.monotonic()
        assert await gw.closed(within=2.0) == 4009
        assert time.monotonic() - started < 1.0

    asyncio.run(scenario())


def test_inbound_frames_are_rate_limited_per_connection(
    strict_server: ServerProcess, alice: Account
) -> None:
    srv = strict_server

    async def scenario() -> None:
        gw = await Gateway.open(srv.ws_url)
        await gw.identify(alice.access_token)
        for _ in range(4):  # IDENTIFY was the first of five
            await gw.send(1, 0)
            assert (await gw.recv())["op"] == 11
        await gw.send(1, 0)
        assert await gw.closed() == 4008
        # The limit is per connection: a new one is served.
        other = await Gateway.open(srv.ws_url)
        await other.identify(alice.access_token)
        await other.close()

    asyncio.run(scenario())


def test_shutdown_sends_reconnect_then_closes(
    server_factory: Callable[..., ServerProcess], alice: Account
) -> None:
    srv = server_factory()

    async def scenario() -> None:
        gw = await Gateway.open(srv.ws_url)
        await gw.identify(alice.access_token)
        await asyncio.to_thread(srv.stop)
        assert await gw.recv() == {"op": 7, "d": None}
        assert await gw.closed() == 1012

    asyncio.run(scenario())


@pytest.mark.skipif(REDIS_URL is not None, reason="Redis expires buffers on its own clock")
async def test_a_session_left_longer_than_the_resume_window_is_invalid(
    server: InProcessServer, app: FastAPI, alice: Account, settings: Settings
) -> None:
    gw, ready = await connected(server, alice)
    await gw.close()
    hub: Hub = app.state.hub
    while hub.index.sessions[ready["session_id"]].conn is not None:  # noqa: ASYNC110
        await asyncio.sleep(0.01)  # the server has not noticed the close yet
    clock.advance(settings.gateway_resume_seconds + 1)
    again = await Gateway.open(server.ws_url)
    await again.send(6, {"token": alice.access_token, "session_id": ready["session_id"], "seq": 0})
    assert await again.recv() == {"op": 9, "d": False}
    await again.close()


async def test_presence_must_be_a_boolean(server: InProcessServer, alice: Account) -> None:
    gw = await Gateway.open(server.ws_url)
    await gw.send(2, {"token": alice.access_token, "presence": "no"})
    assert await gw.closed() == 4002


async def send_message(
    client: httpx.AsyncClient, author: Account, channel_id: int, text: str
) -> int:
    response = await client.post(
        f"/v1/channels/{channel_id}/messages", json={"content": text}, headers=author.headers
    )
    assert response.status_code == 201, response.text
    message_id: int = response.json()["id"]
    return message_id


async def test_ready_lists_the_channels_with_unread_counts(
    server: InProcessServer, client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    await befriend(client, alice, bob)
    channel_id = await open_dm(client, alice, bob)
    for text in ("one", "two", "three"):
        await send_message(client, bob, channel_id, text)
    gw, ready = await connected(server, alice)
    (channel,) = ready["channels"]
    assert channel["id"] == channel_id
    assert channel["unread_count"] == 3
    assert channel["other_user"]["id"] == bob.id
    assert channel["last_message"]["content"] == "three"
    assert ready["channels_next_cursor"] is None
    await gw.close()


async def test_messages_posted_over_rest_reach_members_only(
    server: InProcessServer, client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    outsider = await new_account(client, "outsider")
    await befriend(client, alice, bob)
    channel_id = await open_dm(client, alice, bob)
    bob_gw, _ = await connected(server, bob)
    outsider_gw, _ = await connected(server, outsider)
    message_id = await send_message(client, alice, channel_id, "hello bob")
    event = await bob_gw.dispatch()
    assert event["t"] == "MESSAGE_CREATE"
    assert (event["d"]["id"], event["d"]["content"]) == (message_id, "hello bob")
    # The outsider's next dispatch is one addressed to them, not Alice's message.
    await befriend(client, outsider, alice)
    assert (await outsider_gw.dispatch())["t"] == "FRIEND_REQUEST"
    await bob_gw.close()
    await outsider_gw.close()


async def test_friends_see_presence_unless_the_user_opts_out(
    server: InProcessServer, client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    await befriend(client, alice, bob)
    watcher, _ = await connected(server, alice)

    bob_gw, _ = await connected(server, bob)
    online = await watcher.dispatch()
    assert (online["t"], online["d"]) == (
        "PRESENCE_UPDATE",
        {"user_id": bob.id, "status": "online"},
    )
    second = await Gateway.open(server.ws_url)  # a second device changes nothing
    await second.identify(bob.access_token)
    await second.close()
    await bob_gw.close()
    offline = await watcher.dispatch()
    assert (offline["t"], offline["d"]) == (
        "PRESENCE_UPDATE",
        {"user_id": bob.id, "status": "offline"},
    )

    invisible = await Gateway.open(server.ws_url)
    await invisible.identify(bob.access_token, presence=False)
    await invisible.close()
    channel_id = await open_dm(client, bob, alice)
    await send_message(client, bob, channel_id, "still here")
    # What Alice hears next of Bob is the channel and his message, no presence change.
    heard = [(await watcher.dispatch())["t"] for _ in range(2)]
    assert heard == ["CHANNEL_CREATE", "MESSAGE_CREATE"]
    await watcher.close()
