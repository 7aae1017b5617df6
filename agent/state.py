"""Today's state as this person should see it, without I/O: the relay's last word plus
the commands still in the outbox, applied optimistically.

Call ``set_base`` with each ``GET /today`` answer and ``view(pending)`` to answer a
browser's ``today`` at once, offline too. The view keeps the relay's shape (a timer's
``elapsed_seconds`` as of ``as_of``) and says ``"optimistic": true`` when it includes
unconfirmed commands. Times are aware UTC datetimes passed in; nothing reads the clock.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

from agent.command import Command


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
        if view.get("timer"):
            view["timer"].pop("_counted", None)
        if optimistic:
            view["optimistic"] = True
        return view


def apply_command(view: dict[str, Any], command: Command, at: datetime) -> None:
    """Change ``view`` as the relay will once it receives ``command``."""
    body = command.body or {}
    handler = _APPLY.get(command.op)
    if handler is not None:
        handler(view, body, at)


def _status(timer: dict[str, Any]) -> Any:
    return timer.get("state", timer.get("status"))


def _timer_seconds(timer: dict[str, Any], at: datetime) -> int:
    """Clocked seconds of a relay timer view (``elapsed_seconds`` as of ``as_of``) at ``at``."""
    seconds = int(timer.get("elapsed_seconds") or 0)
    as_of = _parse(timer.get("as_of"))
    if _status(timer) == "running" and as_of is not None:
        seconds += max(0, int((at - as_of).total_seconds()))
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


def _settle(timer: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The timer as of ``at``: ``elapsed_seconds`` brought forward, ``as_of`` = at."""
    return {**timer, "elapsed_seconds": _timer_seconds(timer, at), "as_of": _iso(at)}


def _stop(view: dict[str, Any], _body: dict[str, Any], at: datetime) -> None:
    timer = view.get("timer")
    if timer:
        # The relay's tasks already count a base timer up to its as_of; add the rest.
        counted = int(timer.get("_counted", timer.get("elapsed_seconds") or 0))
        total = _timer_seconds(timer, at)
        _add_task_seconds(view, timer.get("task_id"), max(0, total - counted))
    view["timer"] = None


def _start(view: dict[str, Any], body: dict[str, Any], at: datetime) -> None:
    _stop(view, body, at)
    view["timer"] = {
        "task_id": body.get("task_id"), "state": "running", "started_at": _iso(at),
        "segment_started_at": _iso(at), "elapsed_seconds": 0, "as_of": _iso(at),
        "notes": body.get("notes") or "", "task": None, "optimistic": True, "_counted": 0,
    }


def _pause(view: dict[str, Any], body: dict[str, Any], at: datetime) -> None:
    timer = view.get("timer")
    if timer and _status(timer) == "running":
        timer.setdefault("_counted", timer.get("elapsed_seconds") or 0)
        timer.update(_settle(timer, at), state="paused", segment_started_at=None, optimistic=True)
        if body.get("notes") is not None:
            timer["notes"] = body["notes"]


def _resume(view: dict[str, Any], _body: dict[str, Any], at: datetime) -> None:
    timer = view.get("timer")
    if timer and _status(timer) == "paused":
        timer.setdefault("_counted", timer.get("elapsed_seconds") or 0)
        timer.update(_settle(timer, at), state="running", segment_started_at=_iso(at), optimistic=True)


def _entry_created(view: dict[str, Any], body: dict[str, Any], _at: datetime) -> None:
    seconds = body.get("duration_seconds")
    if body.get("date") == view.get("date") and isinstance(seconds, int):
        _add_task_seconds(view, body.get("task_id"), seconds)


def _attendance(state: str | None) -> Callable[[dict[str, Any], dict[str, Any], datetime], None]:
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
