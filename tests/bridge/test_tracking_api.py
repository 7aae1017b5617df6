"""The tracking API through the test client on a real SQLite file."""

from __future__ import annotations

from zoneinfo import ZoneInfo



async def resolve(user, task) -> int:
    body = await user.call("POST", "/tasks/resolve", {"items": [task]}, status=200)
    return body["items"][0]["task_id"]


async def test_pause_resume_stop_sums_running_segments(relay, clock, asana_task):
    alice = await relay.user("acme", "alice")
    task_id = await resolve(alice, asana_task)
    await alice.call("POST", "/timer/start", {"task_id": task_id}, key="", status=200)
    clock.advance(600)
    await alice.call("POST", "/timer/pause", {}, key="", status=200)
    clock.advance(1200)  # paused: not counted
    await alice.call("POST", "/timer/resume", {}, key="", status=200)
    clock.advance(300)
    today = await alice.call("GET", "/today", status=200)
    assert today["total_seconds"] == 900 and today["timer"]["state"] == "running"
    stopped = await alice.call("POST", "/timer/stop", {"notes": "drafted"}, key="", status=200)
    assert stopped["entry"]["duration_seconds"] == 900
    assert stopped["entry"]["notes"] == "drafted"
    assert (await alice.call("GET", "/timer"))["timer"] is None
    entries = (await alice.call("GET", "/entries"))["items"]
    assert [e["duration_seconds"] for e in entries] == [900]


async def test_starting_another_task_stops_the_first_and_saves_it(relay, clock, asana_task):
    alice = await relay.user("acme", "alice")
    first = await resolve(alice, asana_task)
    second = await resolve(alice, {**asana_task, "external_id": "1202", "title": "Second"})
    await alice.call("POST", "/timer/start", {"task_id": first}, key="", status=200)
    clock.advance(120)
    switched = await alice.call("POST", "/timer/start", {"task_id": second}, key="", status=200)
    assert switched["timer"]["task_id"] == second
    assert switched["stopped_entry"]["task_id"] == first
    assert switched["stopped_entry"]["duration_seconds"] == 120


async def test_a_timer_across_local_midnight_becomes_two_entries(relay, clock, asana_task):
    # Pick the whole-hour zone where it is 23:xx now, so midnight comes within the hour.
    offset = (23 - clock.now.hour) % 24
    offset = offset - 24 if offset > 14 else offset
    zone = f"Etc/GMT{-offset:+d}" if offset else "UTC"
    local = clock.now.astimezone(ZoneInfo(zone))
    assert local.hour == 23, (zone, local)
    night = await relay.user("acme", "owl", time_zone=zone)
    task_id = await resolve(night, asana_task)
    await night.call("POST", "/timer/start", {"task_id": task_id}, key="", status=200)
    clock.advance(90 * 60)
    shown_before_stop = await night.call("GET", "/today")
    stopped = await night.call("POST", "/timer/stop", {}, key="", status=200)
    parts = stopped["entries"]
    assert len(parts) == 2
    assert sum(p["duration_seconds"] for p in parts) == 5400
    assert parts[1]["date"] == shown_before_stop["date"]
    assert parts[1]["duration_seconds"] == shown_before_stop["total_seconds"]


async def test_manual_entry_edit_delete_and_month(relay, clock, asana_task):
    alice = await relay.user("acme", "alice")
    task_id = await resolve(alice, asana_task)
    day = clock.now.date().isoformat()
    created = await alice.call("POST", "/entries", {"task_id": task_id, "date": day, "duration_seconds": 5400, "notes": "call with <b>client</b>"}, key="", status=201)
    entry_id = created["entry"]["id"]
    edited = await alice.call("PATCH", f"/entries/{entry_id}", {"duration_seconds": 3600, "notes": "shorter"}, key="", status=200)
    assert edited["entry"]["duration_seconds"] == 3600 and edited["entry"]["notes"] == "shorter"
    month = await alice.call("GET", f"/timesheet?month={day[:7]}", status=200)
    assert month["total_seconds"] == 3600
    assert [d["seconds"] for d in month["days"] if d["date"] == day] == [3600]
    assert month["projects"] == [{"project_id": month["projects"][0]["project_id"], "name": "Launch", "seconds": 3600}]
    await alice.call("DELETE", f"/entries/{entry_id}", key="", status=200)
    assert (await alice.call("GET", f"/timesheet?month={day[:7]}"))["total_seconds"] == 0


async def test_attendance_toggles_and_sums_today(relay, clock):
    alice = await relay.user("acme", "alice")
    first = await alice.call("POST", "/attendance/toggle", {}, key="", status=200)
    assert first["attendance"]["state"] == "in"
    clock.advance(3600)
    second = await alice.call("POST", "/attendance/toggle", {}, key="", status=200)
    assert second["attendance"] == {"state": "out", "since": None, "today_seconds": min(3600, second["attendance"]["today_seconds"])}
    await alice.call("POST", "/attendance/clock-out", {}, status=409)
    today = await alice.call("GET", "/today")
    assert today["attendance"]["state"] == "out"


async def test_idempotency_key_replays_the_first_answer_and_refuses_another_body(relay, clock, asana_task):
    alice = await relay.user("acme", "alice")
    task_id = await resolve(alice, asana_task)
    day = clock.now.date().isoformat()
    body = {"task_id": task_id, "date": day, "duration_seconds": 60}
    first = await alice.call("POST", "/entries", body, key="k-1", status=201)
    again = await alice.call("POST", "/entries", body, key="k-1", status=201)
    assert again == first
    assert len((await alice.call("GET", "/entries"))["items"]) == 1
    other = await alice.call("POST", "/entries", {**body, "duration_seconds": 61}, key="k-1", status=422)
    assert other["error"]["code"] == "idempotency_key_reused"
