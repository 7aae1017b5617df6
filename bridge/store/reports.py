"""Read models: today's sums and the monthly timesheet."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlalchemy.ext.asyncio import AsyncSession

from bridge.core import days
from bridge.core.roles import Actor
from bridge.store import accounts, attendance, timers
from bridge.store.entries import check_may_view
from bridge.store.models import Entry, Project, Task
from bridge.store.views import effective_billable, entry_view, timer_state


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


async def timesheet(session: AsyncSession, actor: Actor, year: int, month: int, user_id: int | None, now: datetime) -> dict[str, Any]:
    """One user's month: every day (empty ones too), per-project sums, billable share."""
    target_id = user_id if user_id is not None else actor.user_id
    await check_may_view(session, actor, target_id)
    target = await accounts.user_by_id(session, actor.tenant_id, target_id)
    month_days = days.month_days(year, month)
    query = (
        select(Entry, Task, Project)
        .join(Task, col(Task.id) == col(Entry.task_id))
        .join(Project, col(Project.id) == col(Task.project_id), isouter=True)
        .where(
            Entry.tenant_id == actor.tenant_id,
            Entry.user_id == target_id,
            Entry.day >= month_days[0],
            Entry.day <= month_days[-1],
        )
        .order_by(col(Entry.day), col(Entry.id))
    )
    by_day: dict[str, list[dict[str, Any]]] = defaultdict(list)
    projects: dict[int | None, dict[str, Any]] = {}
    billable = 0
    for entry, task, project in (await session.execute(query)).all():
        view = entry_view(entry)
        view["task"] = {"id": task.id, "title": task.title, "source": task.source, "external_id": task.external_id, "url": task.url}
        by_day[view["date"]].append(view)
        key = project.id if project else None
        bucket = projects.setdefault(key, {"project_id": key, "name": project.name if project else "(no project)", "seconds": 0})
        bucket["seconds"] += entry.duration_seconds
        if effective_billable(task, project):
            billable += entry.duration_seconds
    day_rows = []
    for day in month_days:
        entries = by_day.get(day.isoformat(), [])
        day_rows.append({"date": day.isoformat(), "seconds": sum(e["duration_seconds"] for e in entries), "entries": entries})
    attended = await attendance.seconds_on(session, actor.tenant_id, target_id, month_days[0], month_days[-1], target.time_zone, now)
    return {
        "month": f"{year:04d}-{month:02d}",
        "user_id": target_id,
        "time_zone": target.time_zone,
        "total_seconds": sum(row["seconds"] for row in day_rows),
        "billable_seconds": billable,
        "days": day_rows,
        "projects": sorted(projects.values(), key=lambda p: -p["seconds"]),
        "attendance_seconds": sum(attended.values()),
    }
