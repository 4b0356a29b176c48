"""Push delivery: after commit, off the request path, with retries.

The notifier listens on the bus for sends and mentions (and Schedule data version bumps).
An event only joins a bounded in-memory queue, so publishing never waits for a push
service; a worker task decides who gets a push (DMs and mentions, to members with no live
gateway connection who did not mute the channel or turn pushes off), and each delivery
runs in its own task with exponential backoff. A 404/410 answer drops the subscription.
With Redis every instance hears every event: one claims it (SET NX) and the others skip it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

import httpx
import orjson

from parley.db import Database
from parley.infra import redis_client
from parley.infra.bus import Bus, Event
from parley.kit import metrics
from parley.models import PushSubscription
from parley.notifications import repository
from parley.notifications.senders import FcmSender, Outcome, WebPushSender
from parley.realtime.presence import Presence
from parley.settings import Settings

log = logging.getLogger("parley.push")

TOPICS = ("message.created", "mention.created", "data_version.bumped")
SCHEDULE_TOPIC = "schedule"  # the FCM topic Schedule's apps subscribe to
_CONCURRENCY = 32
PREVIEW_CHARS = 500  # of a message's text in a Web Push payload (push services take ~4 KB)


class Notifier:
    def __init__(self, db: Database, settings: Settings, presence: Presence) -> None:
        self._db = db
        self._settings = settings
        self._presence = presence
        self._queue: asyncio.Queue[Event] = asyncio.Queue(settings.push_queue_size)
        self._http = httpx.AsyncClient(timeout=10.0)
        self._slots = asyncio.Semaphore(_CONCURRENCY)
        self._tasks: set[asyncio.Task[None]] = set()
        self._worker: asyncio.Task[None] | None = None
        key = settings.vapid_private_key.get_secret_value()
        self.webpush = WebPushSender(self._http, key, settings.vapid_subject) if key else None
        credentials = settings.fcm_credentials_file
        self.fcm = FcmSender(self._http, credentials, settings.fcm_url) if credentials else None
        self._redis = redis_client.connect(settings.redis_url) if settings.redis_url else None

    @property
    def enabled(self) -> bool:
        return self.webpush is not None or self.fcm is not None

    def subscribe(self, bus: Bus) -> None:
        if self.enabled:
            for topic in TOPICS:
                bus.subscribe(topic, self._on_event)

    async def start(self) -> None:
        if self.enabled:
            self._worker = asyncio.create_task(self._run(), name="parley-push")

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._http.aclose()
        if self._redis is not None:
            await self._redis.aclose()

    async def _on_event(self, event: Event) -> None:
        if event.topic not in TOPICS:  # bus subscriptions match by prefix
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            log.warning("push queue full; event dropped", extra={"topic": event.topic})

    async def _run(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                if await self._claim(event):
                    await self._handle(event)
            except Exception:
                log.exception("push handling failed", extra={"topic": event.topic})

    async def _claim(self, event: Event) -> bool:
        if self._redis is None:
            return True
        key = f"{self._settings.redis_prefix}:push:{event.id}"
        return bool(await self._redis.set(key, "1", nx=True, ex=3600))

    async def _handle(self, event: Event) -> None:
        payload = event.payload
        if event.topic == "data_version.bumped":
            if payload.get("name") == SCHEDULE_TOPIC and self.fcm is not None:
                version = {"scheduleVersion": str(payload.get("version"))}
                self._spawn(self._deliver_fcm(None, {"topic": SCHEDULE_TOPIC, "data": version}))
            return
        data: dict[str, Any] = payload.get("data") or {}
        channel_id = int(data["channel_id"])
        async with self._db.unit_of_work() as session:
            kind = await repository.channel_kind(session, channel_id)
        if event.topic == "message.created":
            if kind != "dm":
                return  # group messages push through mentions only
            message_id, author_id, reason = data["id"], data["author_id"], "message"
        else:
            if kind != "group":
                return  # a direct message already pushed as a message
            message_id, author_id, reason = data["message_id"], data["author_id"], "mention"
        users = [int(u) for u in payload.get("user_ids") or () if u != author_id]
        online = await self._online(users)
        offline = [u for u in users if u not in online]
        if not offline:
            return
        preview: dict[str, Any] = {}
        async with self._db.unit_of_work() as session:
            targets = await repository.deliverable(session, channel_id, offline)
            if any(s.kind == "webpush" for s in targets):
                # only the browser reads a Web Push payload (RFC 8291); FCM data stays bare
                name, text = await repository.message_preview(session, int(message_id))
                preview = {"author_name": name, "text": text[:PREVIEW_CHARS] if text else None}
        note = {
            "type": reason,
            "channel_id": channel_id,
            "message_id": message_id,
            "author_id": author_id,
        }
        for subscription in targets:
            self._spawn(self._deliver(subscription, note, preview))

    async def _online(self, users: Sequence[int]) -> set[int]:
        try:
            return await self._presence.online(users)
        except Exception:  # presence unknown: treat everyone as offline, a push too many
            return set()

    def _spawn(self, work: Any) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(
        self, subscription: PushSubscription, note: dict[str, Any], preview: dict[str, Any]
    ) -> None:
        if subscription.kind == "fcm":
            message = {
                "token": subscription.endpoint,
                "data": {key: str(value) for key, value in note.items()},
            }
            await self._deliver_fcm(subscription.id, message)
            return
        if self.webpush is None or not subscription.p256dh or not subscription.auth:
            return
        sender, body = self.webpush, orjson.dumps({**note, **preview})
        p256dh, auth = subscription.p256dh, subscription.auth
        await self._with_retries(
            "webpush",
            subscription.id,
            lambda: sender.send(subscription.endpoint, p256dh, auth, body),
        )

    async def _deliver_fcm(self, subscription_id: int | None, message: dict[str, Any]) -> None:
        if self.fcm is not None:
            fcm = self.fcm
            await self._with_retries("fcm", subscription_id, lambda: fcm.send(message))

    async def _with_retries(self, kind: str, subscription_id: int | None, attempt: Any) -> None:
        delay = self._settings.push_retry_seconds
        for number in range(self._settings.push_retry_attempts):
            async with self._slots:
                outcome: Outcome = await attempt()
            if outcome.delivered:
                metrics.push_delivery(kind, "delivered")
                return
            if outcome.gone:
                metrics.push_delivery(kind, "gone")
                if subscription_id is not None:
                    async with self._db.unit_of_work() as session:
                        await repository.drop_subscription(session, subscription_id)
                return
            if not outcome.retry or number + 1 == self._settings.push_retry_attempts:
                metrics.push_delivery(kind, "failed")
                log.warning("push not delivered", extra={"status": outcome.status})
                return
            metrics.push_delivery(kind, "retried")
            await asyncio.sleep(delay)
            delay *= 2
