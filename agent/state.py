"""Today's state as this person should see it, without I/O: the relay's last word plus
the commands still in the outbox, applied optimistically.

Call ``set_base`` with each ``GET /today`` answer, ``view(now)`` to answer a browser at
once, and ``optimistic_result(command, view)`` for the answer to a command that could
not reach the relay. Times are aware UTC datetimes passed in; nothing reads the clock.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from agent.outbox import Command


def _iso(instant: datetime) -> str:
    return instant.astimezone(timezone.utc).isoformat(timespec="seconds")


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


class TodayState:
    """The relay's ``today`` answer and the commands not yet confirmed."""

    def __init__(self) -> None:
        self.base: dict[str, Any] | None = None

    def set_base(self, today: dict[str, Any]) -> None:
        """Call with each fresh ``GET /today`` answer."""
        self.base = today

    def view(self, pending: Iterable[tuple[Command, datetime]]) -> dict[str, Any] | None:
        """The base with ``pending`` (command, relay-clock click time) applied in order."""
        if self.base is None:
            return None
        view = copy.deepcopy(self.base)
        optimistic = False
        for command, at in pending:
            apply_command(view, command, at)
            optimistic = True
        if optimistic:
            view["optimistic"] = True
        return view


def apply_command(view: dict[str, Any], command: Command, at: datetime) -> None:
    """Change ``view`` as the relay will once it receives ``command``."""
    body = command.body or {}
    handler = _APPLY.get(command.op)
    if handler is not None:
        handler(view, body, at)


def _timer_seconds(timer: dict[str, Any], at: datetime) -> int:
    """Clocked seconds of a timer dict at ``at``, tolerant of the relay's field names."""
    base = timer.get("seconds", timer.get("elapsed_seconds", timer.get("running_seconds", 0)))
    seconds = int(base) if isinstance(base, (int, float)) else 0
    since = _parse(timer.get("running_since") or timer.get("resumed_at") or timer.get("started_at"))
    if timer.get("status", timer.get("state")) == "running" and since is not None and "running_since" in timer:
        seconds += max(0, int((at - since).total_seconds()))
    return seconds


def _add_task_seconds(view: dict[str, Any], task_id: Any, seconds: int) -> None:
    tasks = view.setdefault("tasks", [])
    for item in tasks:
        if item.get("task_id") == task_id:
            item["seconds"] = int(item.get("seconds", 0)) + seconds
            break
    else:
        tasks.append({"task_id": task_id, "seconds": seconds})
    view["total_seconds"] = int(view.get("total_seconds", 0)) + seconds


def _stop(view: dict[str, Any], _body: dict[str, Any], at: datetime) -> None:
    timer = view.get("timer")
    if timer:
        _add_task_seconds(view, timer.get("task_id"), _timer_seconds(timer, at))
        view["last_stopped"] = {"task_id": timer.get("task_id"), "duration_seconds": _timer_seconds(timer, at)}
    view["timer"] = None


def _start(view: dict[str, Any], body: dict[str, Any], at: datetime) -> None:
    _stop(view, body, at)
    view["timer"] = {
        "task_id": body.get("task_id"), "status": "running", "started_at": _iso(at),
        "running_since": _iso(at), "seconds": 0, "notes": body.get("notes", ""), "optimistic": True,
    }


def _pause(view: dict[str, Any], _body: dict[str, Any], at: datetime) -> None:
    timer = view.get("timer")
    if timer and timer.get("status", timer.get("state")) == "running":
        timer["seconds"] = _timer_seconds(timer, at)
        timer["status"] = "paused"
        timer.pop("running_since", None)


def _resume(view: dict[str, Any], _body: dict[str, Any], at: datetime) -> None:
    timer = view.get("timer")
    if timer and timer.get("status", timer.get("state")) == "paused":
        timer["seconds"] = _timer_seconds(timer, at)
        timer["status"] = "running"
        timer["running_since"] = _iso(at)


def _entry_created(view: dict[str, Any], body: dict[str, Any], _at: datetime) -> None:
    seconds = body.get("duration_seconds")
    if body.get("date") == view.get("date") and isinstance(seconds, int):
        _add_task_seconds(view, body.get("task_id"), seconds)


def _attendance(state: str | None):
    def toggle(view: dict[str, Any], _body: dict[str, Any], at: datetime) -> None:
        current = view.get("attendance") or {"state": "out", "today_seconds": 0}
        target = state or ("out" if current.get("state") == "in" else "in")
        if target != current.get("state"):
            view["attendance"] = {**current, "state": target, "since": _iso(at), "optimistic": True}

    return toggle


_APPLY = {
    "timer.start": _start,
    "timer.pause": _pause,
    "timer.resume": _resume,
    "timer.stop": _stop,
    "entries.create": _entry_created,
    "attendance.toggle": _attendance(None),
    "attendance.clock_in": _attendance("in"),
    "attendance.clock_out": _attendance("out"),
}


def optimistic_result(command: Command, view: dict[str, Any] | None) -> dict[str, Any]:
    """The answer a browser gets for a queued command, shaped like the relay's."""
    view = view or {}
    if command.op in ("timer.start", "timer.pause", "timer.resume"):
        return {"timer": view.get("timer")}
    if command.op == "timer.stop":
        return {"entry": {**(view.get("last_stopped") or {}), "optimistic": True}}
    if command.op.startswith("attendance."):
        return {"attendance": view.get("attendance")}
    if command.op == "entries.create":
        return {"entry": {**(command.body or {}), "id": None, "optimistic": True}}
    return {}
