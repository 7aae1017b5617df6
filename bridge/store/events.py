"""The event log: one row per visible change, numbered per tenant.

Call ``append`` inside the write transaction that makes the change (outbox pattern):
the row and the change commit together, and the database hands out the sequence
number by incrementing ``tenant.event_seq`` under the row lock, so numbers are strictly
increasing per tenant even with several relay processes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlalchemy.ext.asyncio import AsyncSession

from bridge.store.database import Tx
from bridge.store.models import Event, Tenant

#: Prune old events every this many appends (cheap, amortised).
_PRUNE_EVERY = 500


async def append(
    tx: Tx, tenant_id: int, user_id: int | None, name: str, data: dict[str, Any], now: datetime, retention: int = 10_000
) -> Event:
    """Add one event to the log in ``tx``; published after commit."""
    bump = (
        sa.update(Tenant)
        .where(col(Tenant.id) == tenant_id)
        .values(event_seq=col(Tenant.event_seq) + 1)
        .returning(col(Tenant.event_seq))
    )
    seq = (await tx.session.execute(bump)).scalar_one()
    event = Event(tenant_id=tenant_id, seq=seq, user_id=user_id, name=name, data=data, created_at=now)
    tx.session.add(event)
    tx.events.append(event)
    if seq % _PRUNE_EVERY == 0 and seq > retention:
        await tx.session.execute(
            sa.delete(Event).where(col(Event.tenant_id) == tenant_id, col(Event.seq) <= seq - retention)
        )
    return event


async def latest_seq(session: AsyncSession, tenant_id: int) -> int:
    """The tenant's last handed-out sequence number."""
    seq = (await session.execute(select(Tenant.event_seq).where(Tenant.id == tenant_id))).scalar_one_or_none()
    return seq or 0


async def oldest_seq(session: AsyncSession, tenant_id: int) -> int | None:
    """The oldest sequence number still kept, or ``None`` for an empty log."""
    return (await session.execute(select(sa.func.min(Event.seq)).where(Event.tenant_id == tenant_id))).scalar()


async def since(session: AsyncSession, tenant_id: int, after: int, limit: int = 10_000) -> list[Event]:
    """The tenant's events with ``seq > after``, in order (the caller filters by channel)."""
    query = (
        select(Event)
        .where(Event.tenant_id == tenant_id, Event.seq > after)
        .order_by(col(Event.seq))
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())
