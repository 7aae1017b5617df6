"""Scale-out: two ``taskclock relay serve`` processes on one PostgreSQL and one Redis.

An event committed through relay 1 reaches a socket on relay 2, and the other way
round; each socket gets each event once and in order, also on the relay that
committed it (which delivers locally and drops the echo from Redis).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.harness.live_client import Live
from tests.harness.relay_process import RelayProcess, environment, taskclock

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

PASSWORD = "s3cret-enough"
TASK = {
    "source": "jira",
    "external_id": "OPS-7",
    "title": "Rotate the certificates",
    "url": "https://acme.atlassian.net/browse/OPS-7",
    "project": {"external_id": "OPS", "name": "Operations"},
    "project_count": 1,
}


@pytest.fixture
def relays(tmp_path: Path, postgres_url: str, redis_url: str) -> Iterator[tuple[RelayProcess, RelayProcess]]:
    env = environment(tmp_path, TASKCLOCK_DATABASE=postgres_url, TASKCLOCK_REDIS=redis_url)
    for args in (
        ("relay", "tenant", "create", "acme", "--owner", "olga", "--password-stdin"),
        ("relay", "user", "add", "--tenant", "acme", "sam", "--role", "staff", "--password-stdin"),
        ("relay", "tenant", "create", "umbrella", "--owner", "eve", "--password-stdin"),
    ):
        done = taskclock(tmp_path, *args, stdin=PASSWORD + "\n", env=env)
        assert done.returncode == 0, done.stderr
    first = RelayProcess(tmp_path, env=env)
    second = RelayProcess(tmp_path, env=env)
    try:
        first.start()
        second.start()
        yield first, second
    finally:
        first.stop()
        second.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session:
        yield session


async def _login(http: aiohttp.ClientSession, relay: RelayProcess, tenant: str, username: str) -> str:
    async with http.post(f"{relay.url}/api/v1/{tenant}/auth/login", json={"username": username, "password": PASSWORD}) as response:
        body = await response.json()
        assert response.status == 200, body
        return body["access_token"]


async def _call(http: aiohttp.ClientSession, relay: RelayProcess, token: str, method: str, path: str, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
    async with http.request(method, f"{relay.url}/api/v1/acme{path}", json=body, headers=headers) as response:
        answer = await response.json()
        assert response.status == 200, answer
        return answer


async def test_events_cross_between_two_relays_both_ways(relays, http):
    relay1, relay2 = relays
    sam = await _login(http, relay1, "acme", "sam")
    olga = await _login(http, relay2, "acme", "olga")  # a token from relay 2 works on relay 1 too
    eve = await _login(http, relay1, "umbrella", "eve")
    task_id = (await _call(http, relay1, sam, "POST", "/tasks/resolve", {"items": [TASK]}))["items"][0]["task_id"]

    sam_on_2 = await Live.open(http, f"{relay2.url}/api/v1/acme/live", sam)
    sam_on_1 = await Live.open(http, f"{relay1.url}/api/v1/acme/live", sam)
    feed_on_1 = await Live.open(http, f"{relay1.url}/api/v1/acme/live", olga, subscribe=["activity"])
    other_on_2 = await Live.open(http, f"{relay2.url}/api/v1/umbrella/live", eve, subscribe=["activity"])
    for sock in (sam_on_2, sam_on_1, feed_on_1, other_on_2):
        await sock.welcome()

    # Committed through relay 1: reaches relay 2's socket (and relay 1's, once).
    await _call(http, relay1, sam, "POST", "/timer/start", {"task_id": task_id})
    for sock in (sam_on_2, sam_on_1, feed_on_1):
        (started,) = await sock.events(1, timeout=10)
        assert started["name"] == "timer.started" and started["data"]["timer"]["task_id"] == task_id

    # Committed through relay 2: reaches relay 1's sockets.
    await _call(http, relay2, sam, "POST", "/timer/pause", {})
    for sock in (sam_on_1, feed_on_1, sam_on_2):
        (paused,) = await sock.events(1, timeout=10)
        assert paused["name"] == "timer.paused" and paused["seq"] == started["seq"] + 1

    # A burst alternating between the relays arrives complete, in order, once.
    for n in range(10):
        await _call(http, relay1 if n % 2 else relay2, sam, "POST", "/timer/resume" if n % 2 == 0 else "/timer/pause", {})
    for sock in (sam_on_1, sam_on_2, feed_on_1):
        burst = await sock.events(10, timeout=10)
        assert [e["seq"] for e in burst] == list(range(paused["seq"] + 1, paused["seq"] + 11))
        await sock.quiet(0.3)
    await other_on_2.quiet(0.1)
    for sock in (sam_on_2, sam_on_1, feed_on_1, other_on_2):
        await sock.close()
