"""The I/O-free parts: backoff, clock offset, replay decisions, routes, optimistic state."""

from __future__ import annotations

import email.utils
from datetime import datetime, timezone

import pytest

from agent.backoff import Backoff
from agent.clock import ClockOffset
from agent.command import Command
from agent.replay import Verdict, occurred_at, stamped_body, verdict
from agent.routes import route_for
from agent.state import TodayState
from bridge.core.errors import InvalidInput


def test_backoff_grows_with_jitter_and_caps() -> None:
    low = Backoff(initial=1, maximum=8, rng=lambda: 0.0)
    high = Backoff(initial=1, maximum=8, rng=lambda: 1.0)
    assert [low.next_delay() for _ in range(6)] == [0.5, 1, 2, 4, 4, 4]
    assert [high.next_delay() for _ in range(6)] == [1, 2, 4, 8, 8, 8]
    high.reset()
    assert high.next_delay() == 1


def test_backoff_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        Backoff(initial=0)


def test_clock_offset_narrows_with_date_headers() -> None:
    clock = ClockOffset()
    assert clock.offset == 0 and not clock.known
    # Relay is 100 s ahead; local sends at 1000.2 and 1000.9, relay says 1100 and 1101.
    clock.observe(1000.2, 1000.25, 1100)
    clock.observe(1000.9, 1000.95, 1100)
    clock.observe(1001.1, 1001.15, 1101)
    assert abs(clock.offset - 100) < 0.5
    assert clock.uncertainty < 0.5


def test_clock_offset_from_http_date_header_and_reset_on_jump() -> None:
    clock = ClockOffset()
    header = email.utils.formatdate(2000, usegmt=True)
    clock.observe_date_header(1999.9, 2000.0, header)
    assert abs(clock.offset) <= 1.0
    clock.observe(5000, 5000, 9000)  # local clock jumped: start over
    assert 3999 <= clock.offset <= 4001
    clock.observe_date_header(1, 2, "not a date")  # ignored


def command(op: str, accepted_at: float, body: dict | None = None) -> Command:
    return Command(key="k", account="a", op=op, method="POST", path="/x", body=body, accepted_at=accepted_at)


def test_verdicts() -> None:
    assert verdict(None) is Verdict.RETRY
    assert verdict(503) is Verdict.RETRY
    assert verdict(429) is Verdict.RETRY
    assert verdict(200) is Verdict.DONE and verdict(201) is Verdict.DONE
    assert verdict(401, "token_expired") is Verdict.REAUTH
    assert verdict(401, "api_token_disabled") is Verdict.RETRY
    for status in (400, 403, 404, 409, 422):
        assert verdict(status, "x") is Verdict.REJECTED


def test_timer_and_attendance_commands_are_stamped_with_the_click_on_the_relay_clock() -> None:
    clock = ClockOffset()
    clock.observe(100.0, 100.0, 160.0, resolution=0.0)  # relay exactly 60 s ahead
    stamp = datetime.fromtimestamp(1060, tz=timezone.utc).isoformat(timespec="seconds")
    assert occurred_at(1000.0, clock) == stamp
    assert stamped_body("timer.pause", {"notes": "n"}, 1000.0, clock) == {"notes": "n", "occurred_at": stamp}
    assert stamped_body("attendance.toggle", None, 1000.0, clock) == {"occurred_at": stamp}
    assert stamped_body("entries.create", {"task_id": 1}, 1000.0, clock) == {"task_id": 1}
    own = {"occurred_at": "2027-01-01T00:00:00+00:00"}
    assert stamped_body("timer.stop", own, 1000.0, clock) == own


def test_routes() -> None:
    r = route_for("entries.update", {"entry_id": 7, "notes": "x"})
    assert (r.method, r.path, r.body, r.queued) == ("PATCH", "/entries/7", {"notes": "x"}, True)
    r = route_for("entries.delete", {"entry_id": "9"})
    assert (r.method, r.path, r.body) == ("DELETE", "/entries/9", None)
    r = route_for("tasks.update", {"task_id": 3, "billable": True})
    assert (r.path, r.body) == ("/tasks/3", {"billable": True})
    r = route_for("timesheet", {"month": "2026-11", "user_id": None})
    assert (r.method, r.query, r.queued) == ("GET", {"month": "2026-11"}, False)
    assert route_for("timer.start", {"task_id": 1}).queued
    with pytest.raises(InvalidInput) as info:
        route_for("rm -rf", {})
    assert info.value.code == "unknown_op"
    with pytest.raises(InvalidInput):
        route_for("entries.delete", {})
    with pytest.raises(InvalidInput):
        route_for("today", [])


@pytest.mark.parametrize(("op", "args", "field"), [
    ("timer.start", {}, "task_id"),
    ("timer.start", {"task_id": "7"}, "task_id"),
    ("timer.stop", {"notes": "x" * 2001}, "notes"),
    ("entries.create", {"task_id": 1, "date": "2027-02-30", "duration_seconds": 60}, "date"),
    ("entries.create", {"task_id": 1, "date": "2027-02-01", "duration_seconds": 0}, "duration_seconds"),
    ("entries.update", {"entry_id": 1, "duration_seconds": 25 * 3600}, "duration_seconds"),
])
def test_queued_commands_the_relay_would_refuse_are_refused_at_once(op: str, args: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        route_for(op, args)
    assert info.value.field == field


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(1_800_000_000 + seconds, tz=timezone.utc)


def test_optimistic_view_applies_pending_commands_in_order() -> None:
    state = TodayState()
    assert state.view([]) is None
    state.set_base({"date": "2027-01-15", "total_seconds": 100, "tasks": [{"task_id": 1, "seconds": 100}],
                    "timer": None, "attendance": {"state": "out", "today_seconds": 0}})
    pending = [
        (command("timer.start", 0, {"task_id": 2}), at(0)),
        (command("timer.pause", 0, {}), at(60)),
        (command("timer.resume", 0, {}), at(100)),
        (command("timer.stop", 0, {}), at(130)),
        (command("entries.create", 0, {"task_id": 1, "date": "2027-01-15", "duration_seconds": 30}), at(140)),
        (command("attendance.toggle", 0, {}), at(150)),
    ]
    view = state.view(pending)
    assert view is not None and view["optimistic"]
    assert view["timer"] is None
    assert {t["task_id"]: t["seconds"] for t in view["tasks"]} == {1: 130, 2: 90}
    assert view["total_seconds"] == 220
    assert view["attendance"]["state"] == "in"
    running = state.view(pending[:1])
    assert running is not None and running["timer"]["state"] == "running"
    assert "_counted" not in running["timer"]
    assert state.base is not None and state.base["total_seconds"] == 100  # base untouched


def test_optimistic_stop_of_a_relay_timer_adds_only_uncounted_time() -> None:
    state = TodayState()
    timer = {"task_id": 5, "state": "running", "elapsed_seconds": 40, "as_of": at(0).isoformat()}
    state.set_base({"date": "2027-01-15", "total_seconds": 40, "tasks": [{"task_id": 5, "seconds": 40}],
                    "timer": timer, "attendance": None})
    view = state.view([(command("timer.pause", 0, {}), at(20)), (command("timer.stop", 0, {}), at(50))])
    assert view is not None and view["timer"] is None
    assert view["tasks"] == [{"task_id": 5, "seconds": 60}] and view["total_seconds"] == 60
