"""Reads for the live hub: what a (re)connecting socket is owed, and holes in the stream.

Call ``catch_up`` once per socket after its hello, ``log_range`` when the hub's
sequencer sees a hole that does not close by itself. Both are scoped by tenant.
``catch_up`` reads the log position, the missed events and (when needed) the snapshot
in one consistent view: REPEATABLE READ on PostgreSQL, SQLite's read transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bridge.core.roles import Actor
from bridge.store import events, reports
from bridge.store.database import Database
from bridge.store.models import Event


@dataclass(frozen=True)
class LoggedEvent:
    """A committed event as the hub needs it (plain values, no ORM row)."""

    tenant_id: int
    seq: int
    user_id: int | None
    name: str
    data: dict[str, Any]


@dataclass(frozen=True)
class CatchUp:
    """Where the log stood (``seq``) and either the missed events or a snapshot."""

    seq: int
    oldest_kept: int | None
    missed: list[LoggedEvent]
    snapshot: dict[str, Any] | None


def logged(row: Event) -> LoggedEvent:
    return LoggedEvent(row.tenant_id, row.seq, row.user_id, row.name, dict(row.data))


async def _consistent(session: AsyncSession) -> None:
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _visible_to(actor: Actor, everything: bool) -> Any:
    if everything:
        return sa.true()
    return sa.or_(col(Event.user_id).is_(None), col(Event.user_id) == actor.user_id)


async def catch_up(
    database: Database,
    actor: Actor,
    since: int,
    everything: bool,
    now: datetime,
    wants_snapshot: Any,
    limit: int = 10_000,
) -> CatchUp:
    """The log position and what a client at ``since`` missed, or its snapshot.

    ``wants_snapshot(since, latest, oldest_kept)`` decides (``bridge.live.core``);
    ``everything`` is true for activity watchers, who see every user's events.
    """
    async with database.read() as session:
        await _consistent(session)
        latest = await events.latest_seq(session, actor.tenant_id)
        oldest = await events.oldest_seq(session, actor.tenant_id)
        if wants_snapshot(since, latest, oldest) or latest - since > limit:
            state = await reports.today(session, actor, now)
            return CatchUp(latest, oldest, [], state)
        query = (
            select(Event)
            .where(Event.tenant_id == actor.tenant_id, Event.seq > since, Event.seq <= latest, _visible_to(actor, everything))
            .order_by(col(Event.seq))
        )
        rows = (await session.execute(query)).scalars()
        return CatchUp(latest, oldest, [logged(row) for row in rows], None)


async def log_range(database: Database, tenant_id: int, after: int, upto: int) -> list[LoggedEvent]:
    """The tenant's events with ``after < seq <= upto``, in order."""
    async with database.read() as session:
        query = (
            select(Event)
            .where(Event.tenant_id == tenant_id, Event.seq > after, Event.seq <= upto)
            .order_by(col(Event.seq))
        )
        return [logged(row) for row in (await session.execute(query)).scalars()]


async def log_position(database: Database, tenant_id: int) -> int:
    """The tenant's last handed-out sequence number."""
    async with database.read() as session:
        return await events.latest_seq(session, tenant_id)
