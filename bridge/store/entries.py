"""Timesheet entries: manual ones, and the ones a stopped timer leaves.

Every write checks the shared validation rules first and appends its event in the same
transaction; the entry's owner gets the event on their channel.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlalchemy.ext.asyncio import AsyncSession

from bridge.core import days, validation
from bridge.core.errors import Forbidden, InvalidInput, NotFound
from bridge.core.roles import Actor, may_edit_entry, may_view_user
from bridge.store import accounts, events
from bridge.store.database import Tx
from bridge.store.models import Entry
from bridge.store.tasks import trackable_task
from bridge.store.views import entry_view


_ENTRIES: sa.Table = Entry.__table__  # type: ignore[attr-defined]
_DAY_SECONDS = sa.select(sa.func.coalesce(sa.func.sum(_ENTRIES.c.duration_seconds), 0)).where(
    _ENTRIES.c.tenant_id == sa.bindparam("tenant"), _ENTRIES.c.user_id == sa.bindparam("user"), _ENTRIES.c.day == sa.bindparam("day"),
    _ENTRIES.c.id != sa.bindparam("excluding"),
)


def day_seconds_on(connection: sa.Connection, tenant_id: int, user_id: int, day: date, excluding: int | None = None) -> int:
    """What the user has already logged on ``day`` (optionally minus one entry)."""
    params = {"tenant": tenant_id, "user": user_id, "day": day, "excluding": -1 if excluding is None else excluding}
    return int(connection.execute(_DAY_SECONDS, params).scalar_one())


async def day_seconds(session: AsyncSession, tenant_id: int, user_id: int, day: date, excluding: int | None = None) -> int:
    def counted(sync: Any) -> int:
        sync.flush()  # entries this session changed count as they now are
        return day_seconds_on(sync.connection(), tenant_id, user_id, day, excluding)

    return await session.run_sync(counted)


async def create(
    tx: Tx, actor: Actor, task_id: int, day: date, seconds: int, notes: str | None, now: datetime
) -> dict[str, Any]:
    """A manual entry: validated, on a trackable task, within the day's 24 hours."""
    today = days.local_date(now, days.zone(actor.time_zone))
    validation.check_entry_date(day, today)
    validation.check_duration(seconds)
    notes = validation.check_notes(notes)
    await trackable_task(tx.session, actor, task_id)
    validation.check_day_total(await day_seconds(tx.session, actor.tenant_id, actor.user_id, day), seconds)
    entry = Entry(
        tenant_id=actor.tenant_id, user_id=actor.user_id, task_id=task_id, day=day, duration_seconds=seconds,
        notes=notes, origin="manual", created_at=now, updated_at=now,
    )
    tx.session.add(entry)
    await tx.session.flush()
    view = entry_view(entry)
    await events.append(tx, actor.tenant_id, actor.user_id, "entry.created", {"entry": view}, now)
    return view


async def _editable(session: AsyncSession, actor: Actor, entry_id: int) -> Entry:
    query = select(Entry).where(Entry.tenant_id == actor.tenant_id, Entry.id == entry_id)
    entry = (await session.execute(query)).scalar_one_or_none()
    if entry is None:
        raise NotFound("no such entry")
    if not may_edit_entry(actor.role, actor.user_id, entry.user_id):
        raise Forbidden("you may only change your own entries")
    return entry


async def update(tx: Tx, actor: Actor, entry_id: int, changes: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Edit date, duration, notes or task of an entry one may edit."""
    entry = await _editable(tx.session, actor, entry_id)
    owner = await accounts.user_by_id(tx.session, actor.tenant_id, entry.user_id)
    day = changes.get("date", entry.day)
    seconds = changes.get("duration_seconds", entry.duration_seconds)
    validation.check_entry_date(day, days.local_date(now, days.zone(owner.time_zone)))
    validation.check_duration(seconds)
    if "task_id" in changes:
        await trackable_task(tx.session, actor, changes["task_id"])
        entry.task_id = changes["task_id"]
    if "notes" in changes:
        entry.notes = validation.check_notes(changes["notes"])
    validation.check_day_total(await day_seconds(tx.session, actor.tenant_id, entry.user_id, day, excluding=entry.id), seconds)
    entry.day, entry.duration_seconds, entry.updated_at = day, seconds, now
    await tx.session.flush()
    view = entry_view(entry)
    await events.append(tx, actor.tenant_id, entry.user_id, "entry.updated", {"entry": view}, now)
    return view


async def delete(tx: Tx, actor: Actor, entry_id: int, now: datetime) -> dict[str, Any]:
    entry = await _editable(tx.session, actor, entry_id)
    view = entry_view(entry)
    await tx.session.delete(entry)
    await events.append(tx, actor.tenant_id, entry.user_id, "entry.deleted", {"entry": view}, now)
    return view


async def listing(
    session: AsyncSession, actor: Actor, start: date | None, end: date | None, task_id: int | None, user_id: int | None
) -> list[dict[str, Any]]:
    """Entries between two dates (inclusive), one user's (default: the actor's)."""
    target = user_id if user_id is not None else actor.user_id
    await check_may_view(session, actor, target)
    if start and end and start > end:
        raise InvalidInput("from must not be after to", field="from")
    query = select(Entry).where(Entry.tenant_id == actor.tenant_id, Entry.user_id == target)
    if start:
        query = query.where(Entry.day >= start)
    if end:
        query = query.where(Entry.day <= end)
    if task_id is not None:
        query = query.where(Entry.task_id == task_id)
    rows = (await session.execute(query.order_by(col(Entry.day), col(Entry.id)))).scalars()
    return [entry_view(row) for row in rows]


async def check_may_view(session: AsyncSession, actor: Actor, target_id: int) -> None:
    """403 unless the actor may read the target user's time; 404 for unknown users."""
    if target_id == actor.user_id:
        return
    await accounts.user_by_id(session, actor.tenant_id, target_id)
    led = await accounts.led_member_ids(session, actor.tenant_id, actor.user_id)
    if not may_view_user(actor.role, actor.user_id, target_id, led):
        raise Forbidden("you may not see this user's time")
