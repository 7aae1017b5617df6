"""Read models: today's sums and the monthly timesheet."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bridge.core import days
from bridge.core.roles import Actor
from bridge.store import accounts, attendance, timers
from bridge.store.entries import check_may_view
from bridge.store.models import Entry, Project, Task
from bridge.store.views import date_from_driver, iso_from_driver, timer_state


async def today(session: AsyncSession, actor: Actor, now: datetime) -> dict[str, Any]:
    """This user's day so far: per-task seconds with the running timer included."""
    tz = days.zone(actor.time_zone)
    day = days.local_date(now, tz)
    query = (
        select(Entry.task_id, sa.func.sum(Entry.duration_seconds))
        .where(Entry.tenant_id == actor.tenant_id, Entry.user_id == actor.user_id, Entry.day == day)
        .group_by(col(Entry.task_id))
    )
    per_task: dict[int, int] = {task_id: int(seconds) for task_id, seconds in (await session.execute(query)).all()}
    row = await timers.current(session, actor)
    if row is not None:
        running = days.seconds_by_day(timer_state(row).segments, tz, now).get(day, 0)
        per_task[row.task_id] = per_task.get(row.task_id, 0) + running
    return {
        "date": day.isoformat(),
        "time_zone": actor.time_zone,
        "total_seconds": sum(per_task.values()),
        "tasks": [{"task_id": task_id, "seconds": seconds} for task_id, seconds in sorted(per_task.items())],
        "timer": await timers.current_view(session, actor, now),
        "attendance": await attendance.view(session, actor, now),
    }


#: The month view reads up to a few thousand rows a request: plain columns through Core
#: (no ORM entities, no identity map). Dates and instants come unconverted
#: (``NullType``) so each is turned into its JSON text in one step (``views``).
_RAW = sa.types.NullType()
_ENTRY = Entry.__table__  # type: ignore[attr-defined]
_TASK = Task.__table__  # type: ignore[attr-defined]
_PROJECT = Project.__table__  # type: ignore[attr-defined]


def _month_rows(tenant_id: int, user_id: int, first: date, last: date) -> sa.Select[Any]:
    """One row per entry of ``user_id`` in ``[first, last]``, with its task and project
    (``user_id`` itself is not selected: every row has it)."""
    e, t, p = _ENTRY.c, _TASK.c, _PROJECT.c
    return (
        sa.select(
            e.id, e.task_id, sa.type_coerce(e.day, _RAW), e.duration_seconds, e.notes, e.origin,
            sa.type_coerce(e.started_at, _RAW), sa.type_coerce(e.ended_at, _RAW),
            sa.type_coerce(e.created_at, _RAW), sa.type_coerce(e.updated_at, _RAW),
            t.title, t.source, t.external_id, t.url, t.billable, p.id, p.name, p.billable,
        )
        .select_from(_ENTRY)
        # Tenant scoping on every table, not only through the entry's foreign keys.
        .join(_TASK, sa.and_(t.id == e.task_id, t.tenant_id == tenant_id))
        .join(_PROJECT, sa.and_(p.id == t.project_id, p.tenant_id == tenant_id), isouter=True)
        .where(e.tenant_id == tenant_id, e.user_id == user_id, e.day >= first, e.day <= last)
        .order_by(e.day, e.id)
    )


async def timesheet(session: AsyncSession, actor: Actor, year: int, month: int, user_id: int | None, now: datetime) -> dict[str, Any]:
    """One user's month: every day (empty ones too), per-project sums, billable share.

    Call for ``GET /timesheet``; each entry has ``views.entry_view``'s keys plus ``task``.
    """
    target_id = user_id if user_id is not None else actor.user_id
    await check_may_view(session, actor, target_id)
    target = await accounts.user_by_id(session, actor.tenant_id, target_id)
    month_days = days.month_days(year, month)
    rows = (await session.execute(_month_rows(actor.tenant_id, target_id, month_days[0], month_days[-1]))).all()
    day_rows, projects, billable = _month_sums(rows, target_id, month_days)
    attended = await attendance.seconds_on(session, actor.tenant_id, target_id, month_days[0], month_days[-1], target.time_zone, now)
    return {
        "month": f"{year:04d}-{month:02d}",
        "user_id": target_id,
        "time_zone": target.time_zone,
        "total_seconds": sum(row["seconds"] for row in day_rows),
        "billable_seconds": billable,
        "days": day_rows,
        "projects": projects,
        "attendance_seconds": sum(attended.values()),
    }


def _month_sums(
    rows: Sequence[sa.Row[Any]], user_id: int, month_days: list[date]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """The day rows (every day of the month), the project sums (largest first) and the
    billable seconds of ``user_id``'s ``_month_rows``: a pure function, one pass."""
    by_day: dict[str, list[dict[str, Any]]] = {day.isoformat(): [] for day in month_days}
    seconds_by_day: dict[str, int] = dict.fromkeys(by_day, 0)
    projects: dict[int | None, dict[str, Any]] = {}
    # Per task: its brief, its project's bucket and whether its time is billable.
    tasks: dict[int, tuple[dict[str, Any], dict[str, Any], bool]] = {}
    # A month has at most 31 distinct days: convert each once; it also keys ``by_day``.
    day_texts: dict[Any, str] = {}
    billable = 0
    for (entry_id, task_id, raw_day, seconds, notes, origin, started, ended, created, updated,
         title, source, external_id, url, task_billable, project_id, project_name, project_billable) in rows:
        day = day_texts.get(raw_day)
        if day is None:
            day = day_texts[raw_day] = date_from_driver(raw_day)
        found = tasks.get(task_id)
        if found is None:
            # Shared by the task's entries: the answer is only read (encoded) after this.
            brief = {"id": task_id, "title": title, "source": source, "external_id": external_id, "url": url}
            bucket = projects.get(project_id)
            if bucket is None:
                name = project_name if project_id is not None else "(no project)"
                bucket = projects[project_id] = {"project_id": project_id, "name": name, "seconds": 0}
            # views.effective_billable on raw values: the task's flag, else its project's.
            found = tasks[task_id] = (brief, bucket, bool(task_billable) if task_billable is not None else bool(project_billable))
        brief, bucket, is_billable = found
        created_at = iso_from_driver(created)
        by_day[day].append({
            "id": entry_id, "user_id": user_id, "task_id": task_id, "date": day, "duration_seconds": seconds,
            "notes": notes, "origin": origin, "started_at": iso_from_driver(started), "ended_at": iso_from_driver(ended),
            # Equal unless the entry was edited: compare rather than convert again.
            "created_at": created_at, "updated_at": created_at if updated == created else iso_from_driver(updated),
            "task": brief,
        })
        seconds_by_day[day] += seconds
        bucket["seconds"] += seconds
        if is_billable:
            billable += seconds
    day_rows = [{"date": day, "seconds": seconds_by_day[day], "entries": entries} for day, entries in by_day.items()]
    # Stable: projects with equal sums keep the order their first entries came in.
    return day_rows, sorted(projects.values(), key=lambda p: -p["seconds"]), billable
