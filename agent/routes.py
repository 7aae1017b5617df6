"""Which REST call each browser operation is, without I/O.

Call ``route_for(op, args)`` when a browser request arrives: it returns the HTTP method,
the path under ``/api/v1/{tenant}``, the JSON body or query, and whether the command
changes state (and so goes through the durable outbox). Operations and their arguments
follow extension/lib/agent_protocol.md; args are the REST bodies/queries of CONTRACT.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bridge.core import validation
from bridge.core.errors import InvalidInput


@dataclass(frozen=True)
class Route:
    """One REST call: ``queued`` ones are written to the outbox before they are sent."""

    op: str
    method: str
    path: str
    body: dict[str, Any] | None = None
    query: dict[str, str] | None = None
    queued: bool = False


#: op -> (method, path template, queued). ``{id}`` is taken from args["id"].
_TABLE: dict[str, tuple[str, str, bool]] = {
    "me": ("GET", "/me", False),
    "today": ("GET", "/today", False),
    "timer.get": ("GET", "/timer", False),
    "resolve": ("POST", "/tasks/resolve", False),
    "tasks.update": ("PATCH", "/tasks/{id}", True),
    "timer.start": ("POST", "/timer/start", True),
    "timer.pause": ("POST", "/timer/pause", True),
    "timer.resume": ("POST", "/timer/resume", True),
    "timer.stop": ("POST", "/timer/stop", True),
    "attendance.toggle": ("POST", "/attendance/toggle", True),
    "attendance.clock_in": ("POST", "/attendance/clock-in", True),
    "attendance.clock_out": ("POST", "/attendance/clock-out", True),
    "entries.list": ("GET", "/entries", False),
    "entries.create": ("POST", "/entries", True),
    "entries.update": ("PATCH", "/entries/{id}", True),
    "entries.delete": ("DELETE", "/entries/{id}", True),
    "timesheet": ("GET", "/timesheet", False),
}

#: Operations the agent answers itself, without the relay.
LOCAL_OPS = frozenset({"hello", "status"})

#: Operations whose body may carry ``occurred_at`` (timer changes, attendance clocks).
TIMED_OPS = frozenset({"timer.start", "timer.pause", "timer.resume", "timer.stop",
                       "attendance.toggle", "attendance.clock_in", "attendance.clock_out"})


def known_ops() -> frozenset[str]:
    """Every operation a browser may send."""
    return frozenset(_TABLE) | LOCAL_OPS


def route_for(op: str, args: Any) -> Route:
    """The REST call for ``op``; raise ``InvalidInput`` for unknown ops or bad args."""
    if op not in _TABLE:
        raise InvalidInput(f"unknown operation {op!r}", code="unknown_op", field="op")
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise InvalidInput("args must be an object", code="bad_request", field="args")
    method, template, queued = _TABLE[op]
    rest = dict(args)
    path = template
    if "{id}" in template:
        ident = rest.pop("id", None)
        if ident is None:
            ident = rest.pop("entry_id", None) if op.startswith("entries.") else rest.pop("task_id", None)
        if not isinstance(ident, (str, int)) or isinstance(ident, bool) or str(ident) == "":
            raise InvalidInput(f"{op} needs an id", code="bad_request", field="id")
        path = template.replace("{id}", str(ident))
    if method == "GET":
        query = {k: _query_value(v) for k, v in rest.items() if v is not None}
        return Route(op, method, path, query=query, queued=queued)
    body = rest if method != "DELETE" else None
    if queued and body is not None:
        precheck(op, body)
    return Route(op, method, path, body=body, queued=queued)


def precheck(op: str, body: dict[str, Any]) -> None:
    """Refuse now what the relay would refuse later for sure (bridge.core's rules).

    A queued command is answered before the relay sees it; a refusal that only arrives
    on replay would silently undo what the browser already showed. Rules that need the
    relay's data (day totals, the user's local date, trackability) stay with the relay.
    """
    if "notes" in body and body["notes"] is not None:
        if not isinstance(body["notes"], str):
            raise InvalidInput("notes must be text", field="notes")
        validation.check_notes(body["notes"])
    if "task_id" in body and not _is_int(body["task_id"]):
        raise InvalidInput("task_id must be an integer (from resolve)", field="task_id")
    if op in ("timer.start", "entries.create") and "task_id" not in body:
        raise InvalidInput(f"{op} needs a task_id", field="task_id")
    if "duration_seconds" in body:
        if not _is_int(body["duration_seconds"]):
            raise InvalidInput("duration_seconds must be an integer", field="duration_seconds")
        validation.check_duration(body["duration_seconds"])
    if "date" in body:
        try:
            date.fromisoformat(str(body["date"]))
        except ValueError as exc:
            raise InvalidInput("date must be YYYY-MM-DD", field="date") from exc


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise InvalidInput("query arguments must be strings or numbers", code="bad_request")
