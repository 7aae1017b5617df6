"""The event log: one row per visible change, numbered per tenant.

Call ``append`` (ORM transactions) or ``append_in_trip`` (one-trip commands) inside the
write transaction that makes the change (outbox pattern): the row and the change
commit together, and the database hands out the sequence numbers by incrementing
``tenant.event_seq`` under the row lock, so numbers are strictly increasing per tenant
even with several relay processes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bridge.store.database import CommittedEvent, Trip, Tx
from bridge.store.models import Event, Tenant

#: Prune old events every this many appends (cheap, amortised).
_PRUNE_EVERY = 500
RETENTION = 10_000

_EVENTS: sa.Table = Event.__table__  # type: ignore[attr-defined]
_TENANTS: sa.Table = Tenant.__table__  # type: ignore[attr-defined]

# Built once: constructing a statement costs more than running it from the cache.
_BUMP = (
    sa.update(_TENANTS)
    .where(_TENANTS.c.id == sa.bindparam("tenant"))
    .values(event_seq=_TENANTS.c.event_seq + sa.bindparam("count"))
    .returning(_TENANTS.c.event_seq)
)
_INSERT = sa.insert(_EVENTS)
_PRUNE = sa.delete(_EVENTS).where(_EVENTS.c.tenant_id == sa.bindparam("tenant"), _EVENTS.c.seq <= sa.bindparam("upto"))

#: What ``append_in_trip`` takes for each event: (user_id or None, name, data).
Draft = tuple["int | None", str, "dict[str, Any]"]


def append_in_trip(trip: Trip, tenant_id: int, drafts: list[Draft], now: datetime, retention: int = RETENTION) -> list[CommittedEvent]:
    """Add events to the log in ``trip``, numbered in order; published after commit."""
    return _append(trip.connection, trip.events, tenant_id, drafts, now, retention)


async def append(
    tx: Tx, tenant_id: int, user_id: int | None, name: str, data: dict[str, Any], now: datetime, retention: int = RETENTION
) -> CommittedEvent:
    """Add one event to the log in ``tx``; published after commit."""
    drafts: list[Draft] = [(user_id, name, data)]
    added = await tx.session.run_sync(lambda s: _append(s.connection(), tx.events, tenant_id, drafts, now, retention))
    return added[0]


def _append(
    connection: sa.Connection, sink: list[CommittedEvent], tenant_id: int, drafts: list[Draft], now: datetime, retention: int
) -> list[CommittedEvent]:
    last = connection.execute(_BUMP, {"tenant": tenant_id, "count": len(drafts)}).scalar_one()
    first = last - len(drafts) + 1
    added = [CommittedEvent(tenant_id, first + n, user_id, name, data) for n, (user_id, name, data) in enumerate(drafts)]
    connection.execute(
        _INSERT,
        [{"tenant_id": tenant_id, "seq": e.seq, "user_id": e.user_id, "name": e.name, "data": e.data, "created_at": now} for e in added],
    )
    sink.extend(added)
    if last > retention and last // _PRUNE_EVERY != (first - 1) // _PRUNE_EVERY:  # passed a multiple of it
        connection.execute(_PRUNE, {"tenant": tenant_id, "upto": last - retention})
    return added
