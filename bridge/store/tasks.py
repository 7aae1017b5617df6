"""Projects and tasks as the pages show them, and the task views clients draw.

``resolve`` is called with what a page shows; it creates or renames the project and the
task (appending ``project.updated``/``task.updated`` only when something changed) and
answers with task views. Time on a task is summed here for those views.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlalchemy.ext.asyncio import AsyncSession

from bridge.core import days
from bridge.core.errors import InvalidInput, NotFound, Untrackable, Unprocessable
from bridge.core.roles import Action, Actor, require
from bridge.core.trackability import ACTIVE_TASK_LIMIT, TaskFacts, untrackable_reason
from bridge.store import events
from bridge.store.database import Tx
from bridge.store.models import Entry, Project, Task, Timer
from bridge.store.views import effective_billable, timer_state


@dataclass(frozen=True)
class PageTask:
    """A task as a content script read it from a page (CONTRACT.md's page task)."""

    source: str
    external_id: str
    title: str
    url: str
    project_external_id: str | None
    project_name: str | None
    project_count: int
    parent_external_id: str | None = None
    section: str | None = None


async def _project_for(tx: Tx, actor: Actor, page: PageTask, now: datetime) -> Project | None:
    if page.project_external_id is None:
        return None
    query = select(Project).where(
        Project.tenant_id == actor.tenant_id, Project.source == page.source, Project.external_id == page.project_external_id
    )
    project = (await tx.session.execute(query)).scalar_one_or_none()
    name = page.project_name or page.project_external_id
    if project is None:
        project = Project(tenant_id=actor.tenant_id, source=page.source, external_id=page.project_external_id, name=name)
        tx.session.add(project)
        await tx.session.flush()
    elif project.name != name:
        project.name = name
        await events.append(tx, actor.tenant_id, None, "project.updated", {"project": project_view(project)}, now)
    return project


async def _active_tasks(session: AsyncSession, tenant_id: int, project_id: int) -> int:
    query = select(sa.func.count()).select_from(Task).where(
        Task.tenant_id == tenant_id, Task.project_id == project_id, col(Task.completed).is_(False)
    )
    return (await session.execute(query)).scalar_one()


async def _upsert_task(tx: Tx, actor: Actor, page: PageTask, project: Project | None, now: datetime) -> Task:
    query = select(Task).where(
        Task.tenant_id == actor.tenant_id, Task.source == page.source, Task.external_id == page.external_id
    )
    task = (await tx.session.execute(query)).scalar_one_or_none()
    shape = {
        "title": page.title,
        "url": page.url,
        "project_id": project.id if project else None,
        "parent_external_id": page.parent_external_id,
        "project_count": page.project_count,
        "section": page.section,
    }
    if task is None:
        over = bool(project and await _active_tasks(tx.session, actor.tenant_id, project.id) >= ACTIVE_TASK_LIMIT)  # type: ignore[arg-type]
        task = Task(tenant_id=actor.tenant_id, source=page.source, external_id=page.external_id, over_task_limit=over, **shape)
        tx.session.add(task)
        await tx.session.flush()
        return task
    changed = {name for name, value in shape.items() if getattr(task, name) != value}
    for name in changed:
        setattr(task, name, shape[name])
    if changed & {"title", "project_id"}:
        await events.append(tx, actor.tenant_id, None, "task.updated", {"task": task_fields(task)}, now)
    return task


async def resolve(tx: Tx, actor: Actor, pages: list[PageTask], now: datetime) -> list[dict[str, Any]]:
    """Create or update each page task; answer with its task view, in order."""
    tasks = []
    for page in pages:
        project = await _project_for(tx, actor, page, now)
        tasks.append((await _upsert_task(tx, actor, page, project, now), project))
    return await task_views(tx.session, actor, tasks, now)


def reason_for(task: Task, project: Project | None) -> str | None:
    """The one trackability rule, fed from stored rows."""
    facts = TaskFacts(
        source=task.source,
        has_parent=task.parent_external_id is not None,
        project_count=task.project_count,
        has_project=project is not None,
        project_closed=bool(project and project.closed),
        project_enabled=bool(project is None or project.enabled),
        over_task_limit=task.over_task_limit,
    )
    return untrackable_reason(facts)


async def trackable_task(session: AsyncSession, actor: Actor, task_id: int) -> Task:
    """The tenant's task if time may be tracked on it: 404 / 422 otherwise."""
    task, project = await task_with_project(session, actor, task_id)
    reason = reason_for(task, project)
    if reason is not None:
        raise Untrackable(reason)
    return task


async def task_with_project(session: AsyncSession, actor: Actor, task_id: int) -> tuple[Task, Project | None]:
    query = (
        select(Task, Project)
        .join(Project, col(Task.project_id) == col(Project.id), isouter=True)
        .where(Task.tenant_id == actor.tenant_id, Task.id == task_id)
    )
    row = (await session.execute(query)).first()
    if row is None:
        raise NotFound("no such task")
    return row[0], row[1]


async def task_views(
    session: AsyncSession, actor: Actor, tasks: list[tuple[Task, Project | None]], now: datetime
) -> list[dict[str, Any]]:
    """Task views with this user's today and everyone's total on each task."""
    ids = [task.id for task, _ in tasks]
    tz = days.zone(actor.time_zone)
    today = days.local_date(now, tz)
    total_q = select(Entry.task_id, sa.func.sum(Entry.duration_seconds)).where(
        Entry.tenant_id == actor.tenant_id, col(Entry.task_id).in_(ids)
    ).group_by(col(Entry.task_id))
    totals = dict((await session.execute(total_q)).all())
    today_q = total_q.where(Entry.user_id == actor.user_id, Entry.day == today)
    todays = dict((await session.execute(today_q)).all())
    timer = (await session.execute(select(Timer).where(Timer.user_id == actor.user_id))).scalar_one_or_none()
    timer_today = 0
    if timer is not None:
        timer_today = days.seconds_by_day(timer_state(timer).segments, tz, now).get(today, 0)
    views = []
    for task, project in tasks:
        on_it = timer is not None and timer.task_id == task.id
        views.append(
            {
                "task_id": task.id,
                "trackable": (reason := reason_for(task, project)) is None,
                **({"reason": reason} if reason else {}),
                "billable": effective_billable(task, project),
                "budget_seconds": task.budget_seconds if task.budget_seconds is not None else (project.budget_seconds if project else None),
                "today_seconds": int(todays.get(task.id, 0)) + (timer_today if on_it else 0),
                "total_seconds": int(totals.get(task.id, 0)) + (timer_today if on_it else 0),
                "running": bool(on_it and timer_state(timer).status == "running"),  # type: ignore[arg-type]
                "timer": (timer_state(timer).status if on_it else None),  # type: ignore[arg-type]
                "source": task.source,
                "external_id": task.external_id,
                "title": task.title,
                "project": project_view(project) if project else None,
                "completed": task.completed,
            }
        )
    return views


async def patch(tx: Tx, actor: Actor, task_id: int, changes: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Change a task's billable flag, budget or completion (role-gated)."""
    task, project = await task_with_project(tx.session, actor, task_id)
    if "billable" in changes or "budget_seconds" in changes:
        require(actor.role, Action.EDIT_BILLING)
    if "billable" in changes and task.source == "jira":
        raise Unprocessable("Jira tasks take the project's billable flag; change it on the project", code="billable_from_project")
    budget = changes.get("budget_seconds")
    if budget is not None and budget < 0:
        raise InvalidInput("a budget cannot be negative", field="budget_seconds")
    for name, value in changes.items():
        setattr(task, name, value)
    await events.append(tx, actor.tenant_id, None, "task.updated", {"task": task_fields(task)}, now)
    return (await task_views(tx.session, actor, [(task, project)], now))[0]


def task_fields(task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "source": task.source,
        "external_id": task.external_id,
        "title": task.title,
        "project_id": task.project_id,
        "billable": task.billable,
        "budget_seconds": task.budget_seconds,
        "completed": task.completed,
    }


def project_view(project: Project) -> dict[str, Any]:
    return {
        "id": project.id,
        "source": project.source,
        "external_id": project.external_id,
        "name": project.name,
        "billable": project.billable,
        "closed": project.closed,
        "enabled": project.enabled,
    }
