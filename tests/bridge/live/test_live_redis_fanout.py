"""Redis fan-out in one test process: two relay apps on one database and one Redis,
including a Redis outage (events committed meanwhile still arrive, from the log)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bridge.app import create_app
from bridge.settings import Settings
from tests.harness.live_client import Live
from tests.harness.servers import Redis

pytestmark = pytest.mark.redis

LIVE = "/api/v1/acme/live"


@pytest.fixture
def own_redis() -> Iterator[Redis]:
    """A Redis of this test's own: the outage test stops and restarts it."""
    server = Redis().start()
    yield server
    server.stop()


@pytest.fixture
def relay_settings(relay_settings: Settings, own_redis: Redis) -> Settings:
    return dataclasses.replace(relay_settings, redis_url=own_redis.url)


@pytest.fixture
async def second_relay(relay_settings: Settings, clock: Any, relay: Any) -> AsyncIterator[TestClient]:
    """Another relay app on the same database and Redis (after the first created it)."""
    async with TestClient(TestServer(create_app(relay_settings, clock=clock))) as client:
        yield client


async def _task(user: Any, asana_task: dict[str, Any]) -> int:
    return (await user.call("POST", "/tasks/resolve", {"items": [asana_task]}, status=200))["items"][0]["task_id"]


async def test_an_event_crosses_to_the_other_app_once(relay, second_relay, asana_task):
    sam = await relay.user("acme", "sam", role="staff")
    task_id = await _task(sam, asana_task)
    here = await Live.open(relay.client, LIVE, sam.token)
    there = await Live.open(second_relay, LIVE, sam.token)
    await here.welcome()
    await there.welcome()
    await sam.call("POST", "/timer/start", {"task_id": task_id}, key="", status=200)
    for sock in (here, there):
        (event,) = await sock.events(1)
        assert event["name"] == "timer.started"
        await sock.quiet(0.2)  # the echo from Redis is dropped on the committing relay


async def test_events_committed_during_a_redis_outage_arrive_after_it(relay, second_relay, own_redis, asana_task, clock):
    sam = await relay.user("acme", "sam", role="staff")
    task_id = await _task(sam, asana_task)
    here = await Live.open(relay.client, LIVE, sam.token)
    there = await Live.open(second_relay, LIVE, sam.token)
    await here.welcome()
    await there.welcome()

    own_redis.kill()
    await asyncio.sleep(0.2)
    started = await sam.call("POST", "/timer/start", {"task_id": task_id}, key="", status=200)
    (local,) = await here.events(1)  # the committing relay's own sockets do not wait for Redis
    assert local["name"] == "timer.started" and started["timer"]["task_id"] == task_id
    await there.quiet(0.3)

    own_redis.start()
    (late,) = await there.events(1, timeout=15)  # resubscribed, then read from the log
    assert late == local

    # Both directions work again.
    clock.advance(60)
    stopped = await second_relay.post(
        "/api/v1/acme/timer/stop", json={}, headers={"Authorization": f"Bearer {sam.token}", "Idempotency-Key": "k-stop"}
    )
    assert stopped.status == 200
    for sock in (here, there):
        names = [e["name"] for e in await sock.events(2, timeout=10)]
        assert names == ["timer.stopped", "entry.created"]
