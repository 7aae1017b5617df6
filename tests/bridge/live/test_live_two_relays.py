"""Scale-out: two ``taskclock relay serve`` processes on one PostgreSQL and one Redis.

An event committed through relay 1 reaches a socket on relay 2, and the other way
round; each socket gets each event once and in order, also on the relay that
committed it (which delivers locally and drops the echo from Redis).
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from typing import Any

import aiohttp
import pytest

from tests.harness.live_client import Live
from tests.harness.live_stream import ClientModel, consume, random_command
from tests.harness.relay_process import RelayProcess, environment, taskclock
from tests.harness.servers import Postgres, Redis

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


@pytest.fixture(scope="module")
def relays(tmp_path_factory: pytest.TempPathFactory, postgres_server: Postgres, redis_server: Redis) -> Iterator[tuple[RelayProcess, RelayProcess]]:
    """Two relay processes on one PostgreSQL database and one Redis, for this module."""
    home = tmp_path_factory.mktemp("two-relays")
    env = environment(home, TASKCLOCK_DATABASE=postgres_server.new_database(), TASKCLOCK_REDIS=redis_server.url)
    for args in (
        ("relay", "tenant", "create", "acme", "--owner", "olga", "--password-stdin"),
        ("relay", "user", "add", "--tenant", "acme", "sam", "--role", "staff", "--password-stdin"),
        ("relay", "user", "add", "--tenant", "acme", "kim", "--role", "staff", "--password-stdin"),
        ("relay", "tenant", "create", "umbrella", "--owner", "eve", "--password-stdin"),
    ):
        done = taskclock(home, *args, stdin=PASSWORD + "\n", env=env)
        assert done.returncode == 0, done.stderr
    first = RelayProcess(home, env=env)
    second = RelayProcess(home, env=env)
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


class Across:
    """One user's commands, each sent to one of the relays at random."""

    def __init__(self, http: aiohttp.ClientSession, relays: tuple[RelayProcess, ...], token: str, rng: random.Random) -> None:
        self.http, self.relays, self.token, self.rng = http, relays, token, rng

    async def call(self, method: str, path: str, json: Any = None, *, key: str | None = None) -> Any:
        relay = self.rng.choice(self.relays)
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": key or str(uuid.uuid4())}
        async with self.http.request(method, f"{relay.url}/api/v1/acme{path}", json=json, headers=headers) as response:
            return await response.json()


async def test_random_disconnects_across_two_relays_leave_the_client_equal_to_the_server(relays, http):
    """Commands land on either relay; the client reconnects to either relay at random."""
    kim = await _login(http, relays[0], "acme", "kim")
    rng = random.Random(7)
    across = Across(http, relays, kim, rng)
    pages = [dict(TASK, external_id=f"OPS-{n}", title=f"Ticket {n}") for n in range(2)]
    tasks = [item["task_id"] for item in (await across.call("POST", "/tasks/resolve", {"items": pages}))["items"]]
    model, stop, kicks = ClientModel(), asyncio.Event(), asyncio.Queue()

    def open_socket(since: int) -> Any:
        return Live.open(http, f"{rng.choice(relays).url}/api/v1/acme/live", kim, since=since)

    consumer = asyncio.ensure_future(consume(open_socket, model, stop, kicks))
    entry_ids: list[int] = []
    started = time.monotonic()
    for _ in range(60):
        await random_command(rng, across.call, tasks, entry_ids, datetime.now(timezone.utc).date().isoformat())
        if rng.random() < 0.2:
            kicks.put_nowait(None)
    assert time.monotonic() - started < 120
    server_timer = (await across.call("GET", "/timer"))["timer"]
    server_entries = (await across.call("GET", "/entries"))["items"]
    server_attendance = (await across.call("GET", "/today"))["attendance"]["state"]
    stop.set()
    connections = await asyncio.wait_for(consumer, 15)
    # The client's last reconnect: whatever it had not seen yet is replayed now.
    final = await Live.open(http, f"{relays[1].url}/api/v1/acme/live", kim, since=model.last_seq)
    await final.welcome()
    try:
        while True:
            model.apply(await final.next(timeout=1.0))
    except (asyncio.TimeoutError, TimeoutError):
        pass

    assert connections > 3
    assert model.applied == sorted(set(model.applied))
    assert model.timer == (None if server_timer is None else (server_timer["task_id"], server_timer["state"]))
    assert model.entries == {e["id"]: (e["task_id"], e["duration_seconds"], e["notes"]) for e in server_entries}
    assert model.attendance == server_attendance
