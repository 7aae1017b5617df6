"""Attendance: clocking in and out, one open interval per user (a partial unique index)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from sqlmodel import col, select
from sqlalchemy.ext.asyncio import AsyncSession

from bridge.core import days
from bridge.core.errors import Conflict
from bridge.core.roles import Actor
from bridge.store import events
from bridge.store.database import Tx
from bridge.store.models import Attendance

Direction = Literal["toggle", "in", "out"]


async def _open(session: AsyncSession, actor: Actor) -> Attendance | None:
    query = select(Attendance).where(
        Attendance.tenant_id == actor.tenant_id, Attendance.user_id == actor.user_id, col(Attendance.clock_out).is_(None)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def seconds_on(session: AsyncSession, tenant_id: int, user_id: int, start: date, end: date, tz_name: str, now: datetime) -> dict[date, int]:
    """Attended seconds per local day in ``[start, end]``; an open interval counts to now."""
    tz = days.zone(tz_name)
    lo = days.day_start(start, tz)
    hi = days.day_bounds(end, tz)[1]
    query = select(Attendance).where(
        Attendance.tenant_id == tenant_id,
        Attendance.user_id == user_id,
        Attendance.clock_in < hi,
        (col(Attendance.clock_out).is_(None)) | (col(Attendance.clock_out) > lo),
    )
    totals: dict[date, int] = {}
    for row in (await session.execute(query)).scalars():
        for part in days.split_at_midnights(max(row.clock_in, lo), min(row.clock_out or now, hi), tz):
            totals[part.day] = totals.get(part.day, 0) + part.seconds
    return totals


async def view(session: AsyncSession, actor: Actor, now: datetime) -> dict[str, Any]:
    """``{state, since, today_seconds}`` as CONTRACT.md shows it."""
    open_row = await _open(session, actor)
    today = days.local_date(now, days.zone(actor.time_zone))
    seconds = (await seconds_on(session, actor.tenant_id, actor.user_id, today, today, actor.time_zone, now)).get(today, 0)
    if open_row is not None:
        return {"state": "in", "since": open_row.clock_in.isoformat(), "today_seconds": seconds}
    return {"state": "out", "since": None, "today_seconds": seconds}


async def clock(tx: Tx, actor: Actor, direction: Direction, at: datetime, now: datetime) -> dict[str, Any]:
    """Clock in or out (``toggle`` flips); 409 for clocking in twice or out while out."""
    open_row = await _open(tx.session, actor)
    going_in = open_row is None if direction == "toggle" else direction == "in"
    if going_in and open_row is not None:
        raise Conflict("you are clocked in already", code="clocked_in")
    if not going_in and open_row is None:
        raise Conflict("you are not clocked in", code="clocked_out")
    if going_in:
        tx.session.add(Attendance(tenant_id=actor.tenant_id, user_id=actor.user_id, clock_in=at))
        name = "attendance.clocked_in"
    else:
        assert open_row is not None
        open_row.clock_out = max(at, open_row.clock_in)
        name = "attendance.clocked_out"
    await tx.session.flush()
    state = await view(tx.session, actor, now)
    await events.append(
        tx, actor.tenant_id, actor.user_id, name, {"attendance": state, "user": {"id": actor.user_id, "username": actor.username}}, now
    )
    return {"attendance": state}
