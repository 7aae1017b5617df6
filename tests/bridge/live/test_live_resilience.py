"""The live socket under stress: random disconnects, a stalled reader, expiring tokens,
and a gap older than the log keeps."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import os
import random
import socket
import time
from datetime import datetime, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from bridge import appkeys
from bridge.settings import Settings
from bridge.store import catchup
from bridge.store import events as event_log
from bridge.store.models import Event
from tests.harness.live_client import Live
from tests.harness.live_stream import ClientModel, consume, random_command

LIVE = "/api/v1/acme/live"
COMMANDS = 150
QUEUE_LIMIT = 50
TOKEN_SECONDS = 3


@pytest.fixture
def relay_settings(relay_settings: Settings) -> Settings:
    return dataclasses.replace(relay_settings, socket_queue_limit=QUEUE_LIMIT, event_retention=10)


async def test_random_disconnects_during_a_long_stream_leave_the_client_equal_to_the_server(relay, asana_task, clock):
    sam = await relay.user("acme", "sam", role="staff")
    tom = await relay.user("acme", "tom", role="staff")  # noise in the same tenant
    pages = [dict(asana_task, external_id=f"12{n}", title=f"Task {n}") for n in range(3)]
    tasks = [item["task_id"] for item in (await sam.call("POST", "/tasks/resolve", {"items": pages}, status=200))["items"]]
    model, stop, kicks = ClientModel(), asyncio.Event(), asyncio.Queue()
    consumer = asyncio.ensure_future(consume(lambda since: Live.open(relay.client, LIVE, sam.token, since=since), model, stop, kicks))
    rng, entry_ids = random.Random(20260302), []
    started = time.monotonic()
    for n in range(COMMANDS):
        clock.advance(rng.randint(5, 120))
        await random_command(rng, sam.call, tasks, entry_ids, clock.now.date().isoformat())
        if n % 7 == 3:
            await tom.call("POST", "/attendance/toggle", {}, key="")
        if rng.random() < 0.15:
            kicks.put_nowait(None)
        if rng.random() < 0.3:
            await asyncio.sleep(0)  # let the consumer read, sometimes mid-burst
    assert time.monotonic() - started < 120
    server_timer = (await sam.call("GET", "/timer", status=200))["timer"]
    server_entries = (await sam.call("GET", "/entries", status=200))["items"]
    server_attendance = (await sam.call("GET", "/today", status=200))["attendance"]["state"]
    latest = await catchup.log_position(relay.database, await _tenant_id(relay, "acme"))
    mine = [e.seq for e in await _user_events(relay, sam)]
    async with asyncio.timeout(20):
        while model.last_seq < mine[-1]:
            await asyncio.sleep(0.02)
    stop.set()
    connections = await asyncio.wait_for(consumer, 10)

    assert connections > 5, "the test should have disconnected the client several times"
    assert model.applied == mine, "every own event exactly once, in order"
    assert latest >= mine[-1]
    assert model.timer == (None if server_timer is None else (server_timer["task_id"], server_timer["state"]))
    assert model.entries == {e["id"]: (e["task_id"], e["duration_seconds"], e["notes"]) for e in server_entries}
    assert model.attendance == server_attendance


async def _tenant_id(relay: Any, slug: str) -> int:
    from bridge.store import accounts

    async with relay.database.read() as session:
        return (await accounts.tenant_by_slug(session, slug)).id


async def _user_events(relay: Any, user: Any) -> list[Any]:
    """The log's events a socket of ``user`` (not watching activity) is owed."""
    tenant_id = await _tenant_id(relay, user.tenant)
    logged = await catchup.log_range(relay.database, tenant_id, 0, await catchup.log_position(relay.database, tenant_id))
    return [e for e in logged if e.user_id in (user.user_id, None)]


# ------------------------------------------------------------------ a stalled reader


async def _stalled_socket(port: int, token: str) -> socket.socket:
    """A raw websocket client that says hello and then never reads again."""
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(raw, ("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {LIVE} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    await loop.sock_sendall(raw, request.encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += await asyncio.wait_for(loop.sock_recv(raw, 1), 5)
    assert answer.startswith(b"HTTP/1.1 101"), answer
    await loop.sock_sendall(raw, _masked_text(json.dumps({"type": "hello", "token": token, "since": 0})))
    return raw


def _masked_text(text: str) -> bytes:
    payload, mask = text.encode(), os.urandom(4)
    header = bytes([0x81, 0x80 | len(payload)]) if len(payload) < 126 else bytes([0x81, 0x80 | 126]) + len(payload).to_bytes(2, "big")
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def test_a_stalled_reader_is_dropped_without_stalling_the_others(relay, clock):
    sam = await relay.user("acme", "sam", role="staff")
    hub = relay.app[appkeys.HUB]
    fast = await Live.open(relay.client, LIVE, sam.token)
    await fast.welcome()
    stalled = await _stalled_socket(relay.client.server.port, sam.token)
    async with asyncio.timeout(5):
        while hub.socket_count() < 2:
            await asyncio.sleep(0.01)
    tenant_id = await _tenant_id(relay, "acme")
    big = "x" * 16_000
    received = 0
    try:
        for batch in range(40):  # bounded: 40 x 50 events of 16 kB at most
            async with relay.database.write() as tx:
                for _ in range(QUEUE_LIMIT):
                    await event_log.append(tx, tenant_id, sam.user_id, "entry.updated", {"entry": {"id": 0, "notes": big}}, clock.now)
            got = await fast.events(QUEUE_LIMIT, timeout=5)  # the fast reader keeps up, batch after batch
            received += len(got)
            if hub.socket_count() == 1:
                break
        assert hub.socket_count() == 1, "the stalled socket should have been dropped"
        assert received == (batch + 1) * QUEUE_LIMIT
    finally:
        stalled.close()


# ------------------------------------------------------------------ tokens


async def test_an_expiring_token_is_renewed_in_band_or_the_socket_closes_4401(relay):
    tokens = relay.app[appkeys.TOKENS]
    sam = await relay.user("acme", "sam", role="staff")
    actor = await tokens.actor_for("acme", sam.token, relay.app[appkeys.CLOCK]())
    # Issued against the wall clock (as pyjwt checks expiry), not the test's fixed clock.
    short = lambda: tokens.ring.issue(actor.user_id, actor.tenant_id, datetime.now(timezone.utc), TOKEN_SECONDS)  # noqa: E731
    sock = await Live.open(relay.client, LIVE, short())
    await sock.welcome()
    notice = await sock.next(timeout=TOKEN_SECONDS + 2)
    assert notice["type"] == "error" and notice["error"]["code"] == "token_expiring"
    await sock.send({"type": "auth", "token": short()})
    renewed = await sock.next()
    assert renewed["type"] == "auth" and renewed["ok"] is True and renewed["expires_at"] >= notice["error"]["expires_at"]
    # Someone else's token cannot take over the socket.
    tom = await relay.user("acme", "tom", role="staff")
    intruder = await Live.open(relay.client, LIVE, short())
    await intruder.welcome()
    await intruder.send({"type": "auth", "token": tom.token})
    assert (await intruder.next())["type"] == "error"
    assert await intruder.closed_with() == 4401
    # No renewal this time: told, then closed with 4401.
    notice = await sock.next(timeout=TOKEN_SECONDS + 2)
    assert notice["error"]["code"] == "token_expiring"
    expired = await sock.next(timeout=TOKEN_SECONDS + 2)
    assert expired["type"] == "error" and expired["error"]["code"] == "token_expired"
    assert await sock.closed_with() == 4401


async def test_an_already_expired_token_closes_4401_with_token_expired(relay):
    tokens = relay.app[appkeys.TOKENS]
    sam = await relay.user("acme", "sam", role="staff")
    actor = await tokens.actor_for("acme", sam.token, relay.app[appkeys.CLOCK]())
    stale = tokens.ring.issue(actor.user_id, actor.tenant_id, relay.app[appkeys.CLOCK]() - _seconds(3600), 60)
    sock = await Live.open(relay.client, LIVE, stale)
    frame = await sock.next()
    assert frame["error"]["code"] == "token_expired"
    assert await sock.closed_with() == 4401


def _seconds(n: int) -> Any:
    from datetime import timedelta

    return timedelta(seconds=n)


# ------------------------------------------------------------------ snapshot


async def test_a_gap_older_than_the_log_gets_a_snapshot(relay, asana_task, clock):
    sam = await relay.user("acme", "sam", role="staff")
    task_id = (await sam.call("POST", "/tasks/resolve", {"items": [asana_task]}, status=200))["items"][0]["task_id"]
    await sam.call("POST", "/timer/start", {"task_id": task_id}, key="", status=200)
    await sam.call("POST", "/attendance/toggle", {}, key="", status=200)
    tenant_id = await _tenant_id(relay, "acme")
    async with relay.database.write() as tx:
        for _ in range(20):
            await event_log.append(tx, tenant_id, None, "task.updated", {"task": {"id": task_id}}, clock.now)
        # What the log's retention does to old rows (bridge.store.events prunes every 500).
        await tx.session.execute(sa.delete(Event).where(Event.tenant_id == tenant_id, Event.seq <= 10))
    latest, oldest = await catchup.log_bounds(relay.database, tenant_id)
    assert oldest is not None and oldest > 3

    old = await Live.open(relay.client, LIVE, sam.token, since=1)
    welcome = await old.welcome()
    snap = await old.next()
    assert snap["type"] == "snapshot" and snap["seq"] == welcome["seq"] == latest
    assert snap["state"]["timer"]["task_id"] == task_id and snap["state"]["attendance"]["state"] == "in"
    await old.quiet(0.2)

    recent = await Live.open(relay.client, LIVE, sam.token, since=latest - 3)
    await recent.welcome()
    assert [e["seq"] for e in await recent.events(3)] == [latest - 2, latest - 1, latest]

    future = await Live.open(relay.client, LIVE, sam.token, since=latest + 100)  # a reset relay
    await future.welcome()
    assert (await future.next())["type"] == "snapshot"


async def test_frames_of_every_length_class_arrive_intact(relay, clock):
    sam = await relay.user("acme", "sam", role="staff")
    sock = await Live.open(relay.client, LIVE, sam.token)
    await sock.welcome()
    tenant_id = await _tenant_id(relay, "acme")
    sizes = [10, 200, 70_000, 5]  # 7-bit, 16-bit and 64-bit lengths, then small again
    async with relay.database.write() as tx:
        for size in sizes:
            await event_log.append(tx, tenant_id, sam.user_id, "entry.updated", {"entry": {"notes": "é" * size}}, clock.now)
    got = await sock.events(len(sizes))
    assert [len(e["data"]["entry"]["notes"]) for e in got] == sizes


async def test_an_event_whose_publication_was_lost_is_read_from_the_log(relay, clock):
    """Another relay committed two events but only the second reached us (it died, or
    Redis dropped the first): the hub waits briefly, reads the hole from the log, and
    delivers both, in order."""
    from bridge.live import core
    from bridge.store.database import Database

    sam = await relay.user("acme", "sam", role="staff")
    sock = await Live.open(relay.client, LIVE, sam.token)
    welcome = await sock.welcome()
    tenant_id = await _tenant_id(relay, "acme")
    other_relay = await Database.open(relay.database_url)  # no hub listens to its commits
    try:
        async with other_relay.write() as tx:
            first = await event_log.append(tx, tenant_id, sam.user_id, "attendance.clocked_in", {"n": 1}, clock.now)
            second = await event_log.append(tx, tenant_id, sam.user_id, "attendance.clocked_out", {"n": 2}, clock.now)
    finally:
        await other_relay.close()
    assert first.seq == welcome["seq"] + 1
    relay.app[appkeys.HUB].receive([core.render(tenant_id, second.seq, sam.user_id, second.name, second.data)])
    got = await sock.events(2)
    assert [(e["seq"], e["data"]["n"]) for e in got] == [(first.seq, 1), (second.seq, 2)]
    await sock.quiet(0.2)
