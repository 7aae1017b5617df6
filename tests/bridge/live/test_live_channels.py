"""The live socket over the real app: who gets what, catch-up, 4401, ping; each test
on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from bridge.settings import Settings
from tests.harness.live_client import Live

LIVE = "/api/v1/{}/live"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def relay_settings(request: pytest.FixtureRequest, relay_settings: Settings) -> Settings:
    if request.param == "sqlite":
        return relay_settings
    return dataclasses.replace(relay_settings, database_url=request.getfixturevalue("postgres_url"))


async def _task(user: Any, asana_task: dict[str, Any]) -> int:
    body = await user.call("POST", "/tasks/resolve", {"items": [asana_task]}, status=200)
    return body["items"][0]["task_id"]


async def test_timer_started_over_rest_reaches_the_right_sockets_only(relay, asana_task):
    sam = await relay.user("acme", "sam", role="staff")
    ada = await relay.user("acme", "ada", role="admin")
    tom = await relay.user("acme", "tom", role="staff")
    eve = await relay.user("umbrella", "eve", role="owner")
    task_id = await _task(sam, asana_task)

    sam_tab1 = await Live.open(relay.client, LIVE.format("acme"), sam.token)
    sam_tab2 = await Live.open(relay.client, LIVE.format("acme"), sam.token)
    admin_feed = await Live.open(relay.client, LIVE.format("acme"), ada.token, subscribe=["activity"])
    staff_feed = await Live.open(relay.client, LIVE.format("acme"), tom.token, subscribe=["activity"])
    other_tenant = await Live.open(relay.client, LIVE.format("umbrella"), eve.token, subscribe=["activity"])
    for sock in (sam_tab1, sam_tab2, admin_feed, other_tenant):
        await sock.welcome()
    refusal = await staff_feed.next()
    assert refusal["type"] == "error" and refusal["error"]["code"] == "forbidden"
    welcome = await staff_feed.welcome()
    start_seq = welcome["seq"]

    answer = await sam.call("POST", "/timer/start", {"task_id": task_id}, key="", status=200)

    for sock in (sam_tab1, sam_tab2, admin_feed):
        (event,) = await sock.events(1)
        assert event["name"] == "timer.started"
        assert event["seq"] > start_seq
        assert event["data"]["timer"]["task_id"] == task_id
        assert event["data"]["timer"]["state"] == answer["timer"]["state"] == "running"
        assert event["data"]["user"]["id"] == sam.user_id
    await staff_feed.quiet()
    await other_tenant.quiet()


async def test_an_admins_own_event_arrives_once(relay, asana_task):
    ada = await relay.user("acme", "ada", role="admin")
    task_id = await _task(ada, asana_task)
    feed = await Live.open(relay.client, LIVE.format("acme"), ada.token, subscribe=["activity"])
    await feed.welcome()
    await ada.call("POST", "/timer/start", {"task_id": task_id}, key="", status=200)
    (event,) = await feed.events(1)
    assert event["name"] == "timer.started"
    await feed.quiet()


async def test_reconnect_with_since_replays_exactly_the_missing_events(relay, asana_task, clock):
    sam = await relay.user("acme", "sam", role="staff")
    tom = await relay.user("acme", "tom", role="staff")
    task_id = await _task(sam, asana_task)
    first = await Live.open(relay.client, LIVE.format("acme"), sam.token)
    await first.welcome()
    await sam.call("POST", "/timer/start", {"task_id": task_id}, key="", status=200)
    (started,) = await first.events(1)
    await first.close()

    clock.advance(60)
    await sam.call("POST", "/timer/pause", {}, key="", status=200)
    await tom.call("POST", "/attendance/toggle", {}, key="", status=200)  # someone else's: not owed
    await sam.call("POST", "/timer/resume", {}, key="", status=200)
    clock.advance(60)
    await sam.call("POST", "/timer/stop", {}, key="", status=200)

    again = await Live.open(relay.client, LIVE.format("acme"), sam.token, since=started["seq"])
    welcome = await again.welcome()
    missed = await again.events(4)
    assert [e["name"] for e in missed] == ["timer.paused", "timer.resumed", "timer.stopped", "entry.created"]
    seqs = [e["seq"] for e in missed]
    assert seqs == sorted(seqs) and seqs[0] > started["seq"] and seqs[-1] == welcome["seq"]
    await again.quiet()

    # Up to date: nothing is replayed; new events still flow.
    current = await Live.open(relay.client, LIVE.format("acme"), sam.token, since=welcome["seq"])
    assert (await current.welcome())["seq"] == welcome["seq"]
    await current.quiet()
    await sam.call("POST", "/attendance/toggle", {}, key="", status=200)
    (clocked,) = await current.events(1)
    assert clocked["name"] == "attendance.clocked_in" and clocked["seq"] == welcome["seq"] + 1


async def test_tenant_wide_events_reach_every_socket_of_the_tenant(relay, asana_task):
    sam = await relay.user("acme", "sam", role="staff")
    olga = await relay.user("acme", "olga", role="owner")
    task_id = await _task(sam, asana_task)
    sock = await Live.open(relay.client, LIVE.format("acme"), sam.token)
    await sock.welcome()
    await olga.call("PATCH", f"/tasks/{task_id}", {"billable": True}, key="", status=200)
    (event,) = await sock.events(1)
    assert event["name"] == "task.updated"


async def test_bad_token_closes_with_4401(relay):
    await relay.user("acme", "sam", role="staff")
    sock = await Live.open(relay.client, LIVE.format("acme"), "not-a-jwt")
    frame = await sock.next()
    assert frame["type"] == "error" and frame["error"]["code"] == "not_authenticated"
    assert await sock.closed_with() == 4401


async def test_a_token_of_another_tenant_closes_with_4401(relay):
    await relay.user("acme", "sam", role="staff")
    eve = await relay.user("umbrella", "eve", role="owner")
    sock = await Live.open(relay.client, LIVE.format("acme"), eve.token)
    assert await sock.closed_with() == 4401


async def test_a_malformed_since_closes_with_4400(relay):
    sam = await relay.user("acme", "sam", role="staff")
    sock = await Live.open(relay.client, LIVE.format("acme"), None)
    await sock.send({"type": "hello", "token": sam.token, "since": -1})
    assert (await sock.next())["error"]["field"] == "since"
    assert await sock.closed_with() == 4400


async def test_no_hello_but_garbage_closes_with_4401(relay):
    sock = await Live.open(relay.client, LIVE.format("acme"), None)
    await sock.ws.send_str("hello?")
    assert await sock.closed_with() == 4401


async def test_team_leaders_may_watch_the_activity_feed(relay):
    lea = await relay.user("acme", "lea", role="team_leader")
    sam = await relay.user("acme", "sam", role="staff")
    feed = await Live.open(relay.client, LIVE.format("acme"), lea.token, subscribe=["activity"])
    assert (await feed.next())["type"] == "welcome"
    await sam.call("POST", "/attendance/toggle", {}, key="", status=200)
    (event,) = await feed.events(1)
    assert event["name"] == "attendance.clocked_in" and event["data"]["user"]["id"] == sam.user_id


async def test_a_silent_client_is_closed_with_4401(relay, monkeypatch):
    from bridge.live import handler

    monkeypatch.setattr(handler, "HELLO_TIMEOUT_SECONDS", 0.2)
    sock = await Live.open(relay.client, LIVE.format("acme"), None)
    assert (await sock.next())["error"]["code"] == "not_authenticated"
    assert await sock.closed_with() == 4401


async def test_ping_is_answered_with_pong(relay):
    sam = await relay.user("acme", "sam", role="staff")
    sock = await Live.open(relay.client, LIVE.format("acme"), sam.token)
    await sock.welcome()
    await sock.send({"type": "ping"})
    assert await sock.next() == {"type": "pong"}
    await sock.send({"type": "subscribe"})
    assert (await sock.next())["error"]["code"] == "invalid_input"


async def test_openapi_describes_the_live_route(relay):
    response = await relay.client.get("/api/v1/openapi.json")
    doc = await response.json()
    assert "get" in doc["paths"]["/api/v1/{tenant}/live"]
