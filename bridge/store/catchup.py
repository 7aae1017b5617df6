"""Reads for the live hub: what a (re)connecting socket is owed, and holes in the stream.

Call ``catch_up`` once per socket after its hello, ``log_range`` when the hub's
sequencer sees a hole that does not close by itself. Both are scoped by tenant, and
both are one trip to the database (``Database.run_read``): a reconnect storm sends
thousands of them at once. ``catch_up`` reads the log position and the missed events
in one consistent view (REPEATABLE READ on PostgreSQL, SQLite's read transaction); a
client owed a snapshot gets it from a second read (rare: its events were pruned).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bridge.core.roles import Actor
from bridge.store import reports
from bridge.store.database import CommittedEvent, Database
from bridge.store.models import Event, Tenant

_EVENTS: sa.Table = Event.__table__  # type: ignore[attr-defined]
_TENANTS: sa.Table = Tenant.__table__  # type: ignore[attr-defined]

# Built once: constructing a statement costs more than running it from the cache.
_POSITION = sa.select(
    _TENANTS.c.event_seq,
    sa.select(sa.func.min(_EVENTS.c.seq)).where(_EVENTS.c.tenant_id == _TENANTS.c.id).scalar_subquery(),
).where(_TENANTS.c.id == sa.bindparam("tenant"))
_COLUMNS = (_EVENTS.c.tenant_id, _EVENTS.c.seq, _EVENTS.c.user_id, _EVENTS.c.name, _EVENTS.c.data)
_RANGE = (
    sa.select(*_COLUMNS)
    .where(_EVENTS.c.tenant_id == sa.bindparam("tenant"), _EVENTS.c.seq > sa.bindparam("after"), _EVENTS.c.seq <= sa.bindparam("upto"))
    .order_by(_EVENTS.c.seq)
)
_VISIBLE_RANGE = _RANGE.where(sa.or_(_EVENTS.c.user_id.is_(None), _EVENTS.c.user_id == sa.bindparam("user")))


@dataclass(frozen=True)
class CatchUp:
    """Where the log stood (``seq``) and either the missed events or a snapshot."""

    seq: int
    oldest_kept: int | None
    missed: list[CommittedEvent]
    snapshot: dict[str, Any] | None


SnapshotRule = Callable[[int, int, "int | None"], bool]


async def catch_up(
    database: Database,
    actor: Actor,
    since: int,
    everything: bool,
    now: datetime,
    wants_snapshot: SnapshotRule,
    limit: int = 10_000,
) -> CatchUp:
    """The log position and what a client at ``since`` missed, or its snapshot.

    ``wants_snapshot(since, latest, oldest_kept)`` decides (``bridge.live.core``);
    ``everything`` is true for activity watchers, who see every user's events.
    """
    owed = await database.run_read(_owed, actor, since, everything, wants_snapshot, limit)
    if owed is not None:
        return owed
    async with database.read() as session:
        if database.backend == "postgresql":  # the position and the state as of one moment
            await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        latest, oldest = (await session.execute(_POSITION, {"tenant": actor.tenant_id})).one()
        return CatchUp(latest or 0, oldest, [], await reports.today(session, actor, now))


def _owed(
    connection: sa.Connection, actor: Actor, since: int, everything: bool, wants_snapshot: SnapshotRule, limit: int
) -> CatchUp | None:
    """The missed events, or ``None`` when the client is owed a snapshot instead."""
    if connection.dialect.name == "postgresql":
        connection.execution_options(isolation_level="REPEATABLE READ")
    latest, oldest = connection.execute(_POSITION, {"tenant": actor.tenant_id}).one()
    latest = latest or 0
    if wants_snapshot(since, latest, oldest) or latest - since > limit:
        return None
    if since == latest:
        return CatchUp(latest, oldest, [], None)
    params = {"tenant": actor.tenant_id, "after": since, "upto": latest, "user": actor.user_id}
    rows = connection.execute(_RANGE if everything else _VISIBLE_RANGE, params)
    return CatchUp(latest, oldest, [CommittedEvent(*row) for row in rows], None)


async def log_range(database: Database, tenant_id: int, after: int, upto: int) -> list[CommittedEvent]:
    """The tenant's events with ``after < seq <= upto``, in order."""
    return await database.run_read(_range, tenant_id, after, upto)


def _range(connection: sa.Connection, tenant_id: int, after: int, upto: int) -> list[CommittedEvent]:
    rows = connection.execute(_RANGE, {"tenant": tenant_id, "after": after, "upto": upto})
    return [CommittedEvent(*row) for row in rows]


async def log_position(database: Database, tenant_id: int) -> int:
    """The tenant's last handed-out sequence number."""
    return (await log_bounds(database, tenant_id))[0]


async def log_bounds(database: Database, tenant_id: int) -> tuple[int, int | None]:
    """The last handed-out sequence number and the oldest still kept (``None``: empty log)."""
    return await database.run_read(_bounds, tenant_id)


def _bounds(connection: sa.Connection, tenant_id: int) -> tuple[int, int | None]:
    row = connection.execute(_POSITION, {"tenant": tenant_id}).first()
    return (row[0] or 0, row[1]) if row else (0, None)
