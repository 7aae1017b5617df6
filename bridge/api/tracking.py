"""Routes for tasks, the timer, today, attendance, entries and timesheets.

Each handler only unpacks the parsed request and calls one store function; the rules
live in ``bridge.core`` and the statements in ``bridge.store``.
"""

from __future__ import annotations

from typing import Any

from bridge.api import schemas
from bridge.api.edge import Call, Command, Route
from bridge.core import days, validation
from bridge.core.errors import InvalidInput
from bridge.core.timer import utc_seconds
from bridge.store import attendance, entries, reports, tasks, timers


def _at(call: Call | Command, occurred_at: Any) -> Any:
    """When the click happened: ``occurred_at`` from an offline client, else now."""
    at = utc_seconds(occurred_at) if occurred_at is not None else None
    return validation.check_occurred_at(at, call.now)


async def resolve(call: Call) -> dict[str, Any]:
    body: schemas.ResolveBody = call.body
    pages = [
        tasks.PageTask(
            source=item.source,
            external_id=item.external_id,
            title=item.title,
            url=item.url,
            project_external_id=item.project.external_id if item.project else None,
            project_name=item.project.name if item.project else None,
            project_count=item.project_count if item.project else 0,
            parent_external_id=item.parent_external_id,
            section=item.section,
        )
        for item in body.items
    ]
    return {"items": await tasks.resolve(call.write, call.me, pages, call.now)}


async def patch_task(call: Call) -> dict[str, Any]:
    changes = call.body.model_dump(exclude_unset=True)
    return {"task": await tasks.patch(call.write, call.me, call.path_int("task_id"), changes, call.now)}


async def get_timer(call: Call) -> dict[str, Any]:
    return {"timer": await timers.current_view(call.session, call.me, call.now)}


def start_timer(cmd: Command) -> dict[str, Any]:
    body: schemas.StartBody = cmd.body
    return timers.start(cmd.trip, cmd.actor, body.task_id, body.notes, _at(cmd, body.occurred_at), cmd.now)


def pause_timer(cmd: Command) -> dict[str, Any]:
    return timers.pause(cmd.trip, cmd.actor, cmd.body.notes, _at(cmd, cmd.body.occurred_at), cmd.now)


def resume_timer(cmd: Command) -> dict[str, Any]:
    return timers.resume(cmd.trip, cmd.actor, cmd.body.notes, _at(cmd, cmd.body.occurred_at), cmd.now)


def stop_timer(cmd: Command) -> dict[str, Any]:
    return timers.stop(cmd.trip, cmd.actor, cmd.body.notes, _at(cmd, cmd.body.occurred_at), cmd.now)


async def today(call: Call) -> dict[str, Any]:
    return await reports.today(call.session, call.me, call.now)


def _clock(direction: attendance.Direction) -> Any:
    async def handler(call: Call) -> dict[str, Any]:
        return await attendance.clock(call.write, call.me, direction, _at(call, call.body.occurred_at), call.now)

    return handler


async def list_entries(call: Call) -> dict[str, Any]:
    q: schemas.EntriesQuery = call.query
    return {"items": await entries.listing(call.session, call.me, q.from_, q.to, q.task_id, q.user_id)}


async def create_entry(call: Call) -> tuple[int, dict[str, Any]]:
    body: schemas.EntryBody = call.body
    entry = await entries.create(call.write, call.me, body.task_id, body.date, body.duration_seconds, body.notes, call.now)
    return 201, {"entry": entry}


async def update_entry(call: Call) -> dict[str, Any]:
    changes = {k: v for k, v in call.body.model_dump(exclude_unset=True).items()}
    if any(value is None for key, value in changes.items() if key != "notes"):
        raise InvalidInput("only notes may be set to null")
    return {"entry": await entries.update(call.write, call.me, call.path_int("entry_id"), changes, call.now)}


async def delete_entry(call: Call) -> dict[str, Any]:
    return {"entry": await entries.delete(call.write, call.me, call.path_int("entry_id"), call.now)}


async def timesheet(call: Call) -> dict[str, Any]:
    q: schemas.TimesheetQuery = call.query
    year, month = days.parse_month(q.month)
    return await reports.timesheet(call.session, call.me, year, month, q.user_id, call.now)


T = "/api/v1/{tenant}"
ROUTES = [
    Route("POST", f"{T}/tasks/resolve", resolve, "Create or rename the tasks a page shows; answer with task views", body=schemas.ResolveBody, tags=("tasks",)),
    Route("PATCH", f"{T}/tasks/{{task_id}}", patch_task, "Change billable, budget or completion (role-gated)", body=schemas.TaskPatch, tags=("tasks",)),
    Route("GET", f"{T}/timer", get_timer, "The user's timer, or null", tags=("timer",)),
    Route("POST", f"{T}/timer/start", start_timer, "Start a timer (stopping any other first)", body=schemas.StartBody, tags=("timer",), one_trip=True),
    Route("POST", f"{T}/timer/pause", pause_timer, "Pause the running timer", body=schemas.TimerChange, tags=("timer",), one_trip=True),
    Route("POST", f"{T}/timer/resume", resume_timer, "Resume the paused timer", body=schemas.TimerChange, tags=("timer",), one_trip=True),
    Route("POST", f"{T}/timer/stop", stop_timer, "Stop the timer; it becomes an entry", body=schemas.TimerChange, tags=("timer",), one_trip=True),
    Route("GET", f"{T}/today", today, "Today's sums, timer and attendance", tags=("timer",)),
    Route("POST", f"{T}/attendance/toggle", _clock("toggle"), "Clock in or out", body=schemas.AttendanceBody, tags=("attendance",)),
    Route("POST", f"{T}/attendance/clock-in", _clock("in"), "Clock in", body=schemas.AttendanceBody, tags=("attendance",)),
    Route("POST", f"{T}/attendance/clock-out", _clock("out"), "Clock out", body=schemas.AttendanceBody, tags=("attendance",)),
    Route("GET", f"{T}/entries", list_entries, "Entries between two dates", query=schemas.EntriesQuery, tags=("entries",)),
    Route("POST", f"{T}/entries", create_entry, "Add a timesheet entry", body=schemas.EntryBody, tags=("entries",)),
    Route("PATCH", f"{T}/entries/{{entry_id}}", update_entry, "Edit an entry", body=schemas.EntryPatch, tags=("entries",)),
    Route("DELETE", f"{T}/entries/{{entry_id}}", delete_entry, "Delete an entry", tags=("entries",)),
    Route("GET", f"{T}/timesheet", timesheet, "One user's month", query=schemas.TimesheetQuery, tags=("timesheet",)),
]
