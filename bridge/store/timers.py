"""The user's one timer: start, pause, resume, stop, persisted.

Each function runs inside one write transaction, applies ``bridge.core.timer`` and
appends the events. Starting while another timer exists stops it first (its entries are
saved) and both changes are published.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlalchemy.ext.asyncio import AsyncSession

from bridge.core import days, timer as rules, validation
from bridge.core.errors import Conflict
from bridge.core.roles import Actor
from bridge.store import events
from bridge.store.database import Tx
from bridge.store.entries import day_seconds
from bridge.store.models import Entry, Task, Timer
from bridge.store.views import entry_view, segments_json, task_brief, timer_state, timer_view
from bridge.store.tasks import trackable_task


async def current(session: AsyncSession, actor: Actor) -> Timer | None:
    query = select(Timer).where(Timer.tenant_id == actor.tenant_id, Timer.user_id == actor.user_id)
    return (await session.execute(query)).scalar_one_or_none()


async def current_view(session: AsyncSession, actor: Actor, now: datetime) -> dict[str, Any] | None:
    row = await current(session, actor)
    if row is None:
        return None
    task = (await session.execute(select(Task).where(Task.id == row.task_id))).scalar_one_or_none()
    return timer_view(row, task, now)


async def _require(session: AsyncSession, actor: Actor) -> Timer:
    row = await current(session, actor)
    if row is None:
        raise Conflict("there is no timer", code="no_timer")
    return row


async def _save(tx: Tx, row: Timer, state: rules.Timer) -> None:
    row.segments = segments_json(state)
    row.notes = state.notes
    tx.session.add(row)
    await tx.session.flush()


async def _view_and_event(tx: Tx, actor: Actor, row: Timer, name: str, at: datetime, now: datetime) -> dict[str, Any]:
    task = (await tx.session.execute(select(Task).where(Task.id == row.task_id))).scalar_one()
    view = timer_view(row, task, now)
    await events.append(tx, actor.tenant_id, actor.user_id, name, {"timer": view, "at": at.isoformat(), "user": _who(actor)}, now)
    return view


def _who(actor: Actor) -> dict[str, Any]:
    return {"id": actor.user_id, "username": actor.username}


async def start(tx: Tx, actor: Actor, task_id: int, notes: str | None, at: datetime, now: datetime) -> dict[str, Any]:
    """Start on ``task_id``; an existing timer is stopped (and saved) first."""
    await trackable_task(tx.session, actor, task_id)
    notes = validation.check_notes(notes)
    stopped: list[dict[str, Any]] = []
    existing = await current(tx.session, actor)
    if existing is not None:
        stopped = await _finish(tx, actor, existing, at, now)
    row = Timer(tenant_id=actor.tenant_id, user_id=actor.user_id, task_id=task_id)
    try:
        await _save(tx, row, rules.start(task_id, at, notes))
    except IntegrityError:  # the unique user_id: a racing start in another process won
        raise Conflict("another timer was started at the same moment; try again", code="conflict") from None
    view = await _view_and_event(tx, actor, row, "timer.started", at, now)
    return {"timer": view, **({"stopped_entry": stopped[-1], "stopped_entries": stopped} if stopped else {})}


async def pause(tx: Tx, actor: Actor, notes: str | None, at: datetime, now: datetime) -> dict[str, Any]:
    row = await _require(tx.session, actor)
    state = rules.with_notes(rules.pause(timer_state(row), at), validation.check_notes(notes) if notes is not None else None)
    await _save(tx, row, state)
    return {"timer": await _view_and_event(tx, actor, row, "timer.paused", at, now)}


async def resume(tx: Tx, actor: Actor, notes: str | None, at: datetime, now: datetime) -> dict[str, Any]:
    row = await _require(tx.session, actor)
    await trackable_task(tx.session, actor, row.task_id)
    state = rules.with_notes(rules.resume(timer_state(row), at), validation.check_notes(notes) if notes is not None else None)
    await _save(tx, row, state)
    return {"timer": await _view_and_event(tx, actor, row, "timer.resumed", at, now)}


async def stop(tx: Tx, actor: Actor, notes: str | None, at: datetime, now: datetime) -> dict[str, Any]:
    """Turn the timer into entries (one per local day it touched)."""
    row = await _require(tx.session, actor)
    if notes is not None:
        row.notes = validation.check_notes(notes)
    saved = await _finish(tx, actor, row, at, now)
    return {"entry": saved[-1] if saved else None, "entries": saved}


async def _finish(tx: Tx, actor: Actor, row: Timer, at: datetime, now: datetime) -> list[dict[str, Any]]:
    """Delete the timer row, save its entries, append timer.stopped and entry.created."""
    state = timer_state(row)
    segments = rules.stop(state, at)
    task = (await tx.session.execute(select(Task).where(Task.id == row.task_id))).scalar_one()
    saved = []
    for draft in days.entries_from_segments(segments, days.zone(actor.time_zone)):
        # Real elapsed time is never refused, but a day still holds at most 24 h
        # (a 25-hour DST day, or manual entries overlapping the timer): trim to fit.
        room = validation.MAX_DAY_SECONDS - await day_seconds(tx.session, actor.tenant_id, actor.user_id, draft.day)
        seconds = min(draft.seconds, room, validation.MAX_ENTRY_SECONDS)
        if seconds <= 0:
            continue
        entry = Entry(
            tenant_id=actor.tenant_id, user_id=actor.user_id, task_id=row.task_id, day=draft.day, duration_seconds=seconds,
            notes=state.notes, started_at=draft.started_at, ended_at=draft.ended_at, origin="timer", created_at=now, updated_at=now,
        )
        tx.session.add(entry)
        await tx.session.flush()
        saved.append(entry_view(entry))
    await tx.session.delete(row)
    await tx.session.flush()
    data = {"timer": None, "task": task_brief(task), "entries": saved, "at": at.isoformat(), "user": _who(actor)}
    await events.append(tx, actor.tenant_id, actor.user_id, "timer.stopped", data, now)
    for view in saved:
        await events.append(tx, actor.tenant_id, actor.user_id, "entry.created", {"entry": view}, now)
    return saved
