"""Schema versions: an ordered list of migrations, applied once each at start-up.

Add a migration by appending a function to ``MIGRATIONS``; never edit a released one.
Each runs inside the start-up transaction; on PostgreSQL an advisory lock keeps two
relays that start together from migrating twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel

from bridge.store import models

_LOCK_ID = 0x7A5C_C10C  # arbitrary, fixed: taskclock's schema lock on PostgreSQL


async def _v1_initial(connection: AsyncConnection) -> None:
    await connection.run_sync(SQLModel.metadata.create_all)


async def _v2_credentials(connection: AsyncConnection) -> None:
    """API tokens, refresh token families and login throttling (issue 3)."""
    tables = [models.ApiToken, models.RefreshFamily, models.RefreshToken, models.LoginThrottle]
    for table in tables:
        await connection.run_sync(lambda sync, t=table: t.__table__.create(sync, checkfirst=True))


MIGRATIONS: list[Callable[[AsyncConnection], Awaitable[None]]] = [_v1_initial, _v2_credentials]
LATEST = len(MIGRATIONS)


async def current_version(connection: AsyncConnection) -> int:
    """The schema version stored in the database (0 for an empty one)."""
    await connection.run_sync(lambda sync: models.SchemaVersion.__table__.create(sync, checkfirst=True))
    version = (await connection.execute(sa.select(models.SchemaVersion.version))).scalar()
    return version or 0


async def migrate(connection: AsyncConnection) -> int:
    """Bring the schema to ``LATEST``, keeping every row; returns the version."""
    if connection.dialect.name == "postgresql":
        await connection.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
    version = await current_version(connection)
    for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
        await step(connection)
        table = models.SchemaVersion.__table__
        if number == 1:
            await connection.execute(table.insert().values(id=1, version=1))
        else:
            await connection.execute(table.update().values(version=number))
    return max(version, LATEST)
