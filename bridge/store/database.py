"""Engines, sessions and transactions; the one place that knows which backend runs.

Call ``Database.open(url)`` once at start-up (``bridge.app``'s cleanup context does)
and ``close()`` at shutdown. Commands run inside ``async with db.write() as tx``: one
short transaction; the events appended through ``tx`` are handed to the commit
listeners only after the commit succeeded (nothing is pushed that was not committed).
Reads use ``async with db.read() as session``.

SQLite: WAL, ``synchronous=NORMAL`` (durable against a killed process), foreign keys
on, and a separate single-connection writer engine whose transactions begin with
``BEGIN IMMEDIATE`` so that concurrent writers, in this process or another, queue
instead of failing half-way. Database work never blocks the event loop: aiosqlite and
asyncpg run it off the loop.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession

from bridge.core.errors import InvalidInput
from bridge.store import schema
from bridge.store.models import Event

log = logging.getLogger(__name__)

CommitListener = Callable[[list[Event]], Awaitable[None]]


def async_url(url: str) -> str:
    """Map the URLs users type to the async drivers this store uses."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///"):]
    if url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite:///")):
        return url
    raise InvalidInput(f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql://…", field="database")


@dataclass
class Tx:
    """One write transaction: its session and the events it appended."""

    session: AsyncSession
    events: list[Event] = field(default_factory=list)


def _sqlite_engine(url: str, *, writer: bool) -> AsyncEngine:
    engine = create_async_engine(
        url,
        connect_args={"timeout": 30},
        pool_size=1 if writer else 5,
        max_overflow=0 if writer else 5,
        pool_timeout=60,
    )

    @sa.event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see "begin").
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @sa.event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

    return engine


class Database:
    """The relay's store: engines plus the commit listeners (the live hub)."""

    def __init__(self, reader: AsyncEngine, writer: AsyncEngine) -> None:
        self._reader = reader
        self._writer = writer
        self._listeners: list[CommitListener] = []

    @property
    def backend(self) -> str:
        return self._writer.dialect.name

    @classmethod
    async def open(cls, url: str) -> Database:
        """Connect, create or upgrade the schema, and return the store."""
        full = async_url(url)
        if full.startswith("sqlite"):
            path = make_url(full).database
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            db = cls(_sqlite_engine(full, writer=False), _sqlite_engine(full, writer=True))
        else:
            engine = create_async_engine(full, pool_size=10, max_overflow=10, pool_pre_ping=True)
            db = cls(engine, engine)
        async with db._writer.begin() as connection:
            await schema.migrate(connection)
        return db

    async def close(self) -> None:
        await self._writer.dispose()
        if self._reader is not self._writer:
            await self._reader.dispose()

    def add_commit_listener(self, listener: CommitListener) -> None:
        """Call ``listener(events)`` after each commit that appended events."""
        self._listeners.append(listener)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with AsyncSession(self._reader, expire_on_commit=False) as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Tx]:
        """One transaction: committed when the block ends, rolled back on error."""
        async with AsyncSession(self._writer, expire_on_commit=False) as session:
            tx = Tx(session)
            async with session.begin():
                yield tx
        if tx.events:
            await self._notify(tx.events)

    async def _notify(self, events: list[Event]) -> None:
        for listener in self._listeners:
            try:
                await listener(events)
            except Exception:  # a broken listener must not undo a committed change
                log.exception("commit listener failed")
