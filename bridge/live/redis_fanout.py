"""Redis pub/sub between relay processes: the only module that imports ``redis``.

Every relay subscribes to one channel, ``taskclock:events``, and publishes each
committed event there as ``encode_envelope`` bytes (a short header and the frame text,
rendered once by the relay that committed it). A relay delivers its own events locally
at once, for the lowest latency, and drops their echo from Redis: the hub's sequencer
ignores any ``(tenant, seq)`` it already delivered, so duplicates cost one header parse.

Publishing runs in one background task fed by a bounded queue, in commit order, so a
slow or absent Redis never holds up an HTTP answer. When the subscription breaks, the
reader reconnects with backoff and asks the hub to ``resync`` (read what it missed from
the event log). One channel for all tenants keeps the subscription static; per-tenant
channels would save traffic between relays serving disjoint companies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from bridge.core.errors import InvalidInput
from bridge.live.core import Envelope, decode_envelope, encode_envelope
from bridge.live.fanout import Deliver, Resync

log = logging.getLogger(__name__)

CHANNEL = "taskclock:events"
#: Events waiting for Redis beyond this are dropped (other relays fill from the log).
PUBLISH_QUEUE_LIMIT = 100_000
#: At most this many events per pipeline round trip.
PUBLISH_BATCH = 500
RECONNECT_DELAYS = (0.1, 0.2, 0.5, 1.0, 2.0)


class RedisFanOut:
    """Fan-out over Redis pub/sub; see the module docstring."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._client: aioredis.Redis | None = None
        self._outgoing: asyncio.Queue[bytes] = asyncio.Queue(PUBLISH_QUEUE_LIMIT)
        self._tasks: list[asyncio.Task[None]] = []
        self._deliver: Deliver | None = None

    async def start(self, deliver: Deliver, resync: Resync) -> None:
        """Connect and subscribe; returns once the subscription is confirmed."""
        self._deliver = deliver
        self._client = aioredis.Redis.from_url(self._url)
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(CHANNEL)
        self._tasks = [
            asyncio.create_task(self._read(pubsub, resync), name="redis-fanout-read"),
            asyncio.create_task(self._publish_loop(), name="redis-fanout-publish"),
        ]

    async def publish(self, envelopes: list[Envelope]) -> None:
        if self._deliver is not None:
            self._deliver(envelopes)
        for envelope in envelopes:
            try:
                self._outgoing.put_nowait(encode_envelope(envelope))
            except asyncio.QueueFull:
                log.warning("redis publish queue full: dropping event %s/%s", envelope.tenant_id, envelope.seq)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._client is not None:
            await self._client.aclose()
        self._deliver = None

    async def _read(self, pubsub: aioredis.client.PubSub, resync: Resync) -> None:
        """Deliver what arrives; after a broken subscription, resubscribe and resync."""
        while True:
            try:
                message = await pubsub.get_message(timeout=1.0)
            except (RedisError, OSError, RuntimeError) as exc:
                log.warning("redis subscription lost (%s); resubscribing", exc)
                with contextlib.suppress(RedisError, OSError, RuntimeError):
                    await pubsub.aclose()
                pubsub = await self._subscribe_again()
                resync()
                continue
            if message is not None and message.get("type") == "message":
                self._receive(message["data"])

    async def _subscribe_again(self) -> aioredis.client.PubSub:
        """A fresh subscription, retried with backoff until Redis answers."""
        assert self._client is not None
        attempt = 0
        while True:
            await asyncio.sleep(RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)])
            attempt += 1
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(CHANNEL)
                log.info("redis subscription restored after %d attempts", attempt)
                return pubsub
            except (RedisError, OSError) as exc:
                log.debug("redis still unreachable: %s", exc)
                with contextlib.suppress(RedisError, OSError, RuntimeError):
                    await pubsub.aclose()

    def _receive(self, payload: bytes) -> None:
        try:
            envelope = decode_envelope(payload)
        except InvalidInput:
            log.warning("ignoring a message on %s that is not an event envelope", CHANNEL)
            return
        if self._deliver is not None:
            self._deliver([envelope])

    async def _publish_loop(self) -> None:
        assert self._client is not None
        failures = 0
        while True:
            batch = [await self._outgoing.get()]
            while len(batch) < PUBLISH_BATCH and not self._outgoing.empty():
                batch.append(self._outgoing.get_nowait())
            try:
                async with self._client.pipeline(transaction=False) as pipe:
                    for payload in batch:
                        pipe.publish(CHANNEL, payload)
                    await pipe.execute()
                failures = 0
            except (RedisError, OSError) as exc:
                # Lost here means late elsewhere: the other relays' sequencers read the
                # hole from the log when the next event arrives, or on their resync.
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                failures += 1
                log.warning("redis publish failed (%s): %d events not sent; retrying in %.1fs", exc, len(batch), delay)
                await asyncio.sleep(delay)
