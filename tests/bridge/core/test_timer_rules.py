"""The timer state machine and the validation rules, without I/O."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from bridge.core import timer, validation
from bridge.core.errors import Conflict, InvalidInput
from bridge.core.roles import Action, Role, allowed, may_view_user
from bridge.core.trackability import TaskFacts, untrackable_reason

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_stop_sums_the_running_segments_only():
    t = timer.start(1, at(0))
    t = timer.pause(t, at(10))
    t = timer.resume(t, at(30))
    segments = timer.stop(t, at(35))
    assert sum(s.seconds(at(99)) for s in segments) == 15 * 60
    assert t.running_seconds(at(35)) == 15 * 60


def test_pause_twice_and_resume_while_running_are_conflicts():
    t = timer.start(1, at(0))
    with pytest.raises(Conflict):
        timer.resume(t, at(1))
    paused = timer.pause(t, at(1))
    with pytest.raises(Conflict):
        timer.pause(paused, at(2))


def test_an_offline_click_before_the_last_change_never_runs_time_backwards():
    t = timer.pause(timer.start(1, at(10)), at(5))
    assert t.running_seconds(at(60)) == 0


def test_validation_limits():
    with pytest.raises(InvalidInput):
        validation.check_duration(0)
    with pytest.raises(InvalidInput):
        validation.check_duration(24 * 3600 + 1)
    assert validation.check_duration(24 * 3600) == 86400
    with pytest.raises(InvalidInput, match="24 hours"):
        validation.check_day_total(20 * 3600, 5 * 3600)
    with pytest.raises(InvalidInput):
        validation.check_notes("x" * 2001)
    with pytest.raises(InvalidInput):
        validation.check_entry_date(date(2026, 5, 5), date(2026, 5, 4))
    now = at(0)
    with pytest.raises(InvalidInput, match="future"):
        validation.check_occurred_at(now + timedelta(minutes=1), now)
    with pytest.raises(InvalidInput, match="7 days"):
        validation.check_occurred_at(now - timedelta(days=8), now)
    assert validation.check_occurred_at(now + timedelta(seconds=3), now) == now


@pytest.mark.parametrize(
    "facts, reason",
    [
        (TaskFacts("asana", True, 1, True), "subtask"),
        (TaskFacts("jira", True, 1, True), None),
        (TaskFacts("asana", False, 2, True), "multi-project"),
        (TaskFacts("trello", False, 0, False), "no-project"),
        (TaskFacts("asana", False, 1, True, project_closed=True), "project-closed"),
        (TaskFacts("asana", False, 1, True, project_enabled=False), "project-disabled"),
        (TaskFacts("asana", False, 1, True, over_task_limit=True), "task-limit"),
        (TaskFacts("asana", False, 1, True), None),
    ],
)
def test_trackability_reasons(facts, reason):
    assert untrackable_reason(facts) == reason


def test_roles():
    assert allowed(Role.TEAM_LEADER, Action.EDIT_BILLING)
    assert not allowed(Role.STAFF, Action.EDIT_BILLING)
    assert not allowed(Role.TEAM_LEADER, Action.MANAGE_DEV_KEY)
    assert may_view_user(Role.TEAM_LEADER, 1, 2, {2})
    assert not may_view_user(Role.TEAM_LEADER, 1, 3, {2})
    assert not may_view_user(Role.STAFF, 1, 2, {2})
    assert may_view_user(Role.ADMIN, 1, 3, set())
