"""The user's one timer: start, pause, resume, stop, persisted.

The four commands are plain functions of Core statements, run by
``Database.run_write`` in one trip to the database (the hottest path of the relay:
every click on a timer). Each applies ``bridge.core.timer`` and appends its events in
the same transaction. Starting while another timer exists stops it first (its entries
are saved) and both changes are published. ``current``/``current_view`` are reads for
ORM sessions (today, snapshots).
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from bridge.core import days, timer as rules, validation
from bridge.core.errors import Conflict, NotFound, Untrackable
from bridge.core.roles import Actor
from bridge.store import events
from bridge.store.database import Trip
from bridge.store.entries import day_seconds_on
from bridge.store.models import Entry, Project, Task, Timer
from bridge.store.tasks import reason_for
from bridge.store.views import entry_view, segments_json, task_brief, timer_state, timer_view

_TIMERS: sa.Table = Timer.__table__  # type: ignore[attr-defined]
_TASKS: sa.Table = Task.__table__  # type: ignore[attr-defined]
_PROJECTS: sa.Table = Project.__table__  # type: ignore[attr-defined]
_ENTRIES: sa.Table = Entry.__table__  # type: ignore[attr-defined]

# Built once: constructing a statement costs more than running it from the cache.
_CURRENT = sa.select(_TIMERS.c.id, _TIMERS.c.task_id, _TIMERS.c.segments, _TIMERS.c.notes).where(
    _TIMERS.c.tenant_id == sa.bindparam("tenant"), _TIMERS.c.user_id == sa.bindparam("user")
)
_TASK = (
    sa.select(
        _TASKS.c.id, _TASKS.c.source, _TASKS.c.external_id, _TASKS.c.title, _TASKS.c.url, _TASKS.c.parent_external_id,
        _TASKS.c.project_count, _TASKS.c.over_task_limit, _PROJECTS.c.id.label("project_id"),
        _PROJECTS.c.closed.label("project_closed"), _PROJECTS.c.enabled.label("project_enabled"),
    )
    .select_from(_TASKS.outerjoin(_PROJECTS, _TASKS.c.project_id == _PROJECTS.c.id))
    .where(_TASKS.c.tenant_id == sa.bindparam("tenant"), _TASKS.c.id == sa.bindparam("task"))
)
_INSERT_TIMER = sa.insert(_TIMERS).returning(_TIMERS.c.id)
_UPDATE_TIMER = sa.update(_TIMERS).where(_TIMERS.c.id == sa.bindparam("timer_id"))
_DELETE_TIMER = sa.delete(_TIMERS).where(_TIMERS.c.id == sa.bindparam("timer_id"))
_INSERT_ENTRY = sa.insert(_ENTRIES).returning(_ENTRIES.c.id)


# ---- reads for ORM sessions ---------------------------------------------------------


async def current(session: AsyncSession, actor: Actor) -> Timer | None:
    query = select(Timer).where(Timer.tenant_id == actor.tenant_id, Timer.user_id == actor.user_id)
    return (await session.execute(query)).scalar_one_or_none()


async def current_view(session: AsyncSession, actor: Actor, now: datetime) -> dict[str, Any] | None:
    row = await current(session, actor)
    if row is None:
        return None
    task = (await session.execute(select(Task).where(Task.id == row.task_id))).scalar_one_or_none()
    return timer_view(row, task, now)


# ---- the commands (run by Database.run_write) -----------------------------------------


def start(trip: Trip, actor: Actor, task_id: int, notes: str | None, at: datetime, now: datetime) -> dict[str, Any]:
    """Start on ``task_id``; an existing timer is stopped (and saved) first."""
    task = _trackable_task(trip, actor, task_id)
    notes = validation.check_notes(notes)
    drafts: list[events.Draft] = []
    stopped: list[dict[str, Any]] = []
    existing = _current(trip, actor)
    if existing is not None:
        stopped = _finish(trip, actor, existing, existing.notes, at, now, drafts)
    state = rules.start(task_id, at, notes)
    values = {"tenant_id": actor.tenant_id, "user_id": actor.user_id, "task_id": task_id,
              "segments": segments_json(state), "notes": state.notes}
    try:
        timer_id = trip.connection.execute(_INSERT_TIMER, values).scalar_one()
    except IntegrityError:  # the unique user_id: a racing start in another process won
        raise Conflict("another timer was started at the same moment; try again", code="conflict") from None
    view = timer_view(SimpleNamespace(id=timer_id, **values), task, now)  # type: ignore[arg-type]
    drafts.append(_timer_event(actor, "timer.started", view, at))
    events.append_in_trip(trip, actor.tenant_id, drafts, now)
    return {"timer": view, **({"stopped_entry": stopped[-1], "stopped_entries": stopped} if stopped else {})}


def pause(trip: Trip, actor: Actor, notes: str | None, at: datetime, now: datetime) -> dict[str, Any]:
    row = _require(trip, actor)
    state = rules.with_notes(rules.pause(timer_state(row), at), validation.check_notes(notes) if notes is not None else None)
    return {"timer": _save_and_publish(trip, actor, row, _task(trip, actor, row.task_id), state, "timer.paused", at, now)}


def resume(trip: Trip, actor: Actor, notes: str | None, at: datetime, now: datetime) -> dict[str, Any]:
    row = _require(trip, actor)
    task = _trackable_task(trip, actor, row.task_id)
    state = rules.with_notes(rules.resume(timer_state(row), at), validation.check_notes(notes) if notes is not None else None)
    return {"timer": _save_and_publish(trip, actor, row, task, state, "timer.resumed", at, now)}


def stop(trip: Trip, actor: Actor, notes: str | None, at: datetime, now: datetime) -> dict[str, Any]:
    """Turn the timer into entries (one per local day it touched)."""
    row = _require(trip, actor)
    drafts: list[events.Draft] = []
    saved = _finish(trip, actor, row, validation.check_notes(notes) if notes is not None else row.notes, at, now, drafts)
    events.append_in_trip(trip, actor.tenant_id, drafts, now)
    return {"entry": saved[-1] if saved else None, "entries": saved}


# ---- steps -----------------------------------------------------------------------------


def _current(trip: Trip, actor: Actor) -> sa.Row[Any] | None:
    return trip.connection.execute(_CURRENT, {"tenant": actor.tenant_id, "user": actor.user_id}).first()


def _require(trip: Trip, actor: Actor) -> sa.Row[Any]:
    row = _current(trip, actor)
    if row is None:
        raise Conflict("there is no timer", code="no_timer")
    return row


def _trackable_task(trip: Trip, actor: Actor, task_id: int) -> sa.Row[Any]:
    """The tenant's task if time may be tracked on it: 404 / 422 otherwise."""
    task = trip.connection.execute(_TASK, {"tenant": actor.tenant_id, "task": task_id}).first()
    if task is None:
        raise NotFound("no such task")
    project = None if task.project_id is None else SimpleNamespace(closed=task.project_closed, enabled=task.project_enabled)
    reason = reason_for(task, project)  # type: ignore[arg-type]
    if reason is not None:
        raise Untrackable(reason)
    return task


def _task(trip: Trip, actor: Actor, task_id: int) -> sa.Row[Any]:
    return trip.connection.execute(_TASK, {"tenant": actor.tenant_id, "task": task_id}).one()


def _save_and_publish(
    trip: Trip, actor: Actor, row: sa.Row[Any], task: sa.Row[Any], state: rules.Timer, name: str, at: datetime, now: datetime
) -> dict[str, Any]:
    values = {"segments": segments_json(state), "notes": state.notes}
    trip.connection.execute(_UPDATE_TIMER, {"timer_id": row.id, **values})
    view = timer_view(SimpleNamespace(id=row.id, task_id=row.task_id, **values), task, now)  # type: ignore[arg-type]
    events.append_in_trip(trip, actor.tenant_id, [_timer_event(actor, name, view, at)], now)
    return view


def _timer_event(actor: Actor, name: str, view: dict[str, Any], at: datetime) -> events.Draft:
    return (actor.user_id, name, {"timer": view, "at": at.isoformat(), "user": _who(actor)})


def _who(actor: Actor) -> dict[str, Any]:
    return {"id": actor.user_id, "username": actor.username}


def _finish(
    trip: Trip, actor: Actor, row: sa.Row[Any], notes: str, at: datetime, now: datetime, drafts: list[events.Draft]
) -> list[dict[str, Any]]:
    """Delete the timer row and save its entries; add timer.stopped and entry.created to ``drafts``."""
    segments = rules.stop(timer_state(row), at)
    task = _task(trip, actor, row.task_id)
    saved = []
    for draft in days.entries_from_segments(segments, days.zone(actor.time_zone)):
        # Real elapsed time is never refused, but a day still holds at most 24 h
        # (a 25-hour DST day, or manual entries overlapping the timer): trim to fit.
        room = validation.MAX_DAY_SECONDS - day_seconds_on(trip.connection, actor.tenant_id, actor.user_id, draft.day)
        seconds = min(draft.seconds, room, validation.MAX_ENTRY_SECONDS)
        if seconds <= 0:
            continue
        values = {
            "tenant_id": actor.tenant_id, "user_id": actor.user_id, "task_id": row.task_id, "day": draft.day,
            "duration_seconds": seconds, "notes": notes, "started_at": draft.started_at, "ended_at": draft.ended_at,
            "origin": "timer", "created_at": now, "updated_at": now,
        }
        entry_id = trip.connection.execute(_INSERT_ENTRY, values).scalar_one()
        saved.append(entry_view(SimpleNamespace(id=entry_id, **values)))  # type: ignore[arg-type]
    trip.connection.execute(_DELETE_TIMER, {"timer_id": row.id})
    data = {"timer": None, "task": task_brief(task), "entries": saved, "at": at.isoformat(), "user": _who(actor)}  # type: ignore[arg-type]
    drafts.append((actor.user_id, "timer.stopped", data))
    drafts.extend((actor.user_id, "entry.created", {"entry": view}) for view in saved)
    return saved
