"""Rows to the JSON shapes of CONTRACT.md. Pure functions of rows and ``now``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from bridge.core import timer as timer_rules
from bridge.store.models import Entry, Project, Task, Timer


def iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant is not None else None


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def timer_state(row: Timer) -> timer_rules.Timer:
    """The domain timer a row holds."""
    segments = tuple(
        timer_rules.Segment(parse_iso(start), parse_iso(end) if end else None) for start, end in row.segments  # type: ignore[arg-type]
    )
    return timer_rules.Timer(task_id=row.task_id, segments=segments, notes=row.notes)


def segments_json(timer: timer_rules.Timer) -> list[list[str | None]]:
    return [[iso(segment.start), iso(segment.end)] for segment in timer.segments]


def timer_view(row: Timer, task: Task | None, now: datetime) -> dict[str, Any]:
    """A timer as clients see it; ``elapsed_seconds`` is as of ``as_of``.

    While running, a client shows ``elapsed_seconds + (its now - as_of)``.
    """
    state = timer_state(row)
    return {
        "task_id": row.task_id,
        "state": state.status,
        "started_at": iso(state.started_at),
        "segment_started_at": iso(state.segments[-1].start) if state.status == "running" else None,
        "elapsed_seconds": state.running_seconds(now),
        "as_of": iso(now),
        "notes": row.notes,
        "task": task_brief(task) if task is not None else None,
    }


def task_brief(task: Task) -> dict[str, Any]:
    return {"id": task.id, "source": task.source, "external_id": task.external_id, "title": task.title, "url": task.url}


def entry_view(entry: Entry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "user_id": entry.user_id,
        "task_id": entry.task_id,
        "date": entry.day.isoformat(),
        "duration_seconds": entry.duration_seconds,
        "notes": entry.notes,
        "origin": entry.origin,
        "started_at": iso(entry.started_at),
        "ended_at": iso(entry.ended_at),
        "created_at": iso(entry.created_at),
        "updated_at": iso(entry.updated_at),
    }


def effective_billable(task: Task, project: Project | None) -> bool:
    """A task's own flag, else its project's."""
    if task.billable is not None:
        return task.billable
    return bool(project and project.billable)


def iso_from_driver(raw: str | datetime | None) -> str | None:
    """``iso()`` of a ``UtcDateTime`` column read without its type's conversion.

    Call on values selected through ``type_coerce(column, NullType())`` (bulk reads,
    ``reports.timesheet``). SQLite hands back its stored naive UTC text, PostgreSQL an
    aware datetime. The text equals what ``iso`` gives for the ORM's value.
    """
    if raw is None:
        return None
    if isinstance(raw, str) and len(raw) == 26 and raw[10] == " " and raw[19] == ".":
        # SQLAlchemy's SQLite format "YYYY-MM-DD HH:MM:SS.ffffff": rewritten as text, as
        # isoformat would print it (no fraction when zero). Parsing, attaching UTC and
        # formatting cost ~2.5 µs a value, a third of the month view's time.
        return f"{raw[:10]}T{raw[11:19]}+00:00" if raw[20:] == "000000" else f"{raw[:10]}T{raw[11:]}+00:00"
    # Anything else takes the same steps as the SQLite processor (fromisoformat) plus
    # UtcDateTime.process_result_value.
    instant = datetime.fromisoformat(raw) if isinstance(raw, str) else raw
    instant = instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)
    return instant.isoformat()


def date_from_driver(raw: str | date) -> str:
    """``date.isoformat()`` of a ``date`` column read unconverted (SQLite: text)."""
    return (date.fromisoformat(raw) if isinstance(raw, str) else raw).isoformat()
