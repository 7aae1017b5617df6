"""The month view on both backends: what the timesheet page shows of each entry is what
the entry list says of it, billable time follows the task's flag over its project's, and
nothing of another month or another company leaks in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bridge.core.roles import Role
from bridge.store import accounts, entries, reports
from bridge.store.database import Database
from bridge.store.models import Entry, Project, Task

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    url = f"sqlite:///{tmp_path / 'store.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    database = await Database.open(url)
    yield database
    await database.close()


async def test_month_entries_match_the_entry_list_and_billable_follows_the_task(db):
    async with db.write() as tx:
        acme = await accounts.create_tenant(tx, "acme", "Acme", NOW)
        other = await accounts.create_tenant(tx, "umbrella", "Umbrella", NOW)
        sam = await accounts.add_user(tx, acme.id, "sam", "x", Role.STAFF, NOW, "Europe/Berlin")  # type: ignore[arg-type]
        paid = Project(tenant_id=acme.id, source="asana", external_id="p1", name="Paid", billable=True)
        free = Project(tenant_id=acme.id, source="asana", external_id="p2", name="Free")
        tx.session.add_all([paid, free])
        await tx.session.flush()
        inherits = Task(tenant_id=acme.id, project_id=paid.id, source="asana", external_id="t1", title="Inherits", url="https://a/1")
        refuses = Task(tenant_id=acme.id, project_id=paid.id, source="asana", external_id="t2", title="Refuses", billable=False)
        insists = Task(tenant_id=acme.id, project_id=free.id, source="jira", external_id="K-3", title="Insists", billable=True)
        tx.session.add_all([inherits, refuses, insists])
        await tx.session.flush()
        start = datetime(2026, 3, 5, 8, 0, 0, 250_000, tzinfo=UTC)

        def entry(task: Task, day: date, seconds: int, **more: object) -> Entry:
            fields = {"tenant_id": acme.id, "user_id": sam.id, "task_id": task.id, "day": day, "duration_seconds": seconds,
                      "notes": f"on {task.title}", "origin": "manual", "created_at": NOW, "updated_at": NOW, **more}
            return Entry(**fields)  # type: ignore[arg-type]

        # Inserted out of day order: the view orders by day, then by id.
        tx.session.add_all([
            entry(inherits, date(2026, 3, 9), 600, updated_at=NOW + timedelta(minutes=5, microseconds=7)),
            entry(refuses, date(2026, 3, 5), 1200, origin="timer", started_at=start, ended_at=start + timedelta(seconds=1200)),
            entry(insists, date(2026, 3, 9), 300),
            entry(inherits, date(2026, 3, 5), 60, origin="timer", started_at=start.replace(microsecond=0), ended_at=start),
            entry(inherits, date(2026, 2, 28), 999),  # another month
            entry(inherits, date(2026, 4, 1), 999),
            entry(inherits, date(2026, 3, 6), 999, tenant_id=other.id),  # another company's row
        ])
    actor = accounts.actor_of(sam)

    async with db.read() as session:
        month = await reports.timesheet(session, actor, 2026, 3, None, NOW)
        listed = await entries.listing(session, actor, date(2026, 3, 1), date(2026, 3, 31), None, None)

    shown = [e for d in month["days"] for e in d["entries"]]
    assert [{k: v for k, v in e.items() if k != "task"} for e in shown] == listed
    assert [e["date"] for e in shown] == ["2026-03-05", "2026-03-05", "2026-03-09", "2026-03-09"]
    assert shown[0]["started_at"] == "2026-03-05T08:00:00.250000+00:00"
    assert shown[1]["started_at"] == "2026-03-05T08:00:00+00:00"
    assert shown[2]["ended_at"] is None and shown[2]["updated_at"] != shown[2]["created_at"]
    assert shown[3]["task"] == {"id": insists.id, "title": "Insists", "source": "jira", "external_id": "K-3", "url": ""}
    assert [d["date"] for d in month["days"]] == [f"2026-03-{n:02d}" for n in range(1, 32)]
    assert {d["date"]: d["seconds"] for d in month["days"] if d["seconds"]} == {"2026-03-05": 1260, "2026-03-09": 900}
    assert month["total_seconds"] == 2160
    assert month["billable_seconds"] == 60 + 600 + 300
    assert month["projects"] == [
        {"project_id": paid.id, "name": "Paid", "seconds": 1860},
        {"project_id": free.id, "name": "Free", "seconds": 300},
    ]
    assert (month["user_id"], month["time_zone"], month["month"]) == (sam.id, "Europe/Berlin", "2026-03")
