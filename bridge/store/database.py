"""Engines, sessions and transactions; the one place that knows which backend runs.

Call ``Database.open(url)`` once at start-up (``bridge.app``'s cleanup context does)
and ``close()`` at shutdown. Two ways to write, both one short transaction whose
events reach the commit listeners only after the commit succeeded (nothing is pushed
that was not committed):

- ``async with db.write() as tx``: an ORM session; every statement is awaited. For the
  rarer commands (sign-in, settings, entries).
- ``await db.run_write(fn, *args)``: ``fn(trip, *args)`` is a plain function of Core
  statements on a synchronous connection, run in one trip to the database: on SQLite
  in the writer's own thread, on PostgreSQL through ``AsyncConnection.run_sync``. For
  the hot commands (the timer), where a hop to the driver per statement cost more
  than the statements. ``run_read`` is the same for one-statement reads.

SQLite: WAL, ``synchronous=NORMAL`` (durable against a killed process), foreign keys
on, and one writer connection per path whose transactions begin with ``BEGIN
IMMEDIATE`` so that concurrent writers, in this process or another, queue instead of
failing half-way. In this process the two write paths take turns in the writer
thread's queue (an ORM transaction parks that thread until it ends), so they never
wait on SQLite's busy timer for each other, and one-trip commands run back to back
without waiting for the event loop in between. Database work never
blocks the event loop: it runs in threads (aiosqlite's and ours) or in asyncpg.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from bridge.core.errors import InvalidInput
from bridge.store import checkpoints, schema

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Threads (and pooled connections) for one-trip reads on SQLite.
READ_THREADS = 4


@dataclass(frozen=True, slots=True)
class CommittedEvent:
    """One event as the commit listeners (the live hub) receive it."""

    tenant_id: int
    seq: int
    user_id: int | None
    name: str
    data: dict[str, Any]


CommitListener = Callable[[list[CommittedEvent]], Awaitable[None]]


@dataclass
class Tx:
    """One ORM write transaction: its session and the events it appended."""

    session: AsyncSession
    events: list[CommittedEvent] = field(default_factory=list)


@dataclass
class Trip:
    """One write transaction run in a single trip: its connection and its events."""

    connection: sa.Connection
    events: list[CommittedEvent] = field(default_factory=list)


def async_url(url: str) -> str:
    """Map the URLs users type to the async drivers this store uses."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///"):]
    if url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite:///")):
        return url
    raise InvalidInput(f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql://…", field="database")


def _tune_sqlite(engine: sa.Engine, *, writer: bool) -> None:
    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see "begin").
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
            cursor.execute(f"PRAGMA {pragma}")
        if writer:
            cursor.execute(f"PRAGMA {checkpoints.WRITER_PRAGMA}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


def _sqlite_async_engine(url: str, *, writer: bool) -> AsyncEngine:
    engine = create_async_engine(
        url, connect_args={"timeout": 30}, pool_size=1 if writer else 5, max_overflow=0 if writer else 5, pool_timeout=60
    )
    _tune_sqlite(engine.sync_engine, writer=writer)
    return engine


def _sqlite_sync_engine(url: str, *, writer: bool) -> sa.Engine:
    """The engine of our own threads: each pooled connection stays in one thread."""
    sync_url = "sqlite:///" + url.split(":///", 1)[1]
    size = 1 if writer else READ_THREADS
    engine = sa.create_engine(
        sync_url, connect_args={"timeout": 30, "check_same_thread": False}, poolclass=sa.pool.QueuePool,
        pool_size=size, max_overflow=0, pool_timeout=60,
    )
    _tune_sqlite(engine, writer=writer)
    return engine


class _Threads:
    """SQLite's one-trip path: sync engines, each driven by its own thread pool."""

    def __init__(self, url: str, path: str | None) -> None:
        self.checkpointer = checkpoints.Checkpointer(path) if path else None
        self.writer = _sqlite_sync_engine(url, writer=True)
        self.reader = _sqlite_sync_engine(url, writer=False)
        self.write_thread = ThreadPoolExecutor(1, thread_name_prefix="taskclock-writer")
        self.read_threads = ThreadPoolExecutor(READ_THREADS, thread_name_prefix="taskclock-reader")

    def close(self) -> None:
        self.write_thread.shutdown()
        self.read_threads.shutdown()
        self.writer.dispose()
        self.reader.dispose()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _write_in_thread(engine: sa.Engine, fn: Callable[..., T], args: tuple[Any, ...]) -> tuple[T, list[CommittedEvent]]:
    with engine.begin() as connection:
        trip = Trip(connection)
        result = fn(trip, *args)
    return result, trip.events


def _read_in_thread(engine: sa.Engine, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
    with engine.connect() as connection:
        return fn(connection, *args)


class Database:
    """The relay's store: engines plus the commit listeners (the live hub)."""

    def __init__(self, reader: AsyncEngine, writer: AsyncEngine, threads: _Threads | None = None) -> None:
        self._reader = reader
        self._writer = writer
        self._threads = threads
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
            threads = _Threads(full, path if path and path != ":memory:" else None)
            db = cls(_sqlite_async_engine(full, writer=False), _sqlite_async_engine(full, writer=True), threads)
        else:
            engine = create_async_engine(full, pool_size=10, max_overflow=10, pool_pre_ping=True)
            db = cls(engine, engine)
        async with db._writer.begin() as connection:
            await schema.migrate(connection)
        if db._threads is not None and db._threads.checkpointer is not None:
            db._threads.checkpointer.start()
        return db

    async def close(self) -> None:
        if self._threads is not None:
            await asyncio.get_running_loop().run_in_executor(None, self._threads.close)
            if self._threads.checkpointer is not None:
                await self._threads.checkpointer.close()
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
        async with self._orm_turn(), AsyncSession(self._writer, expire_on_commit=False) as session:
            tx = Tx(session)
            async with session.begin():
                yield tx
        if tx.events:
            await self._notify(tx.events)

    async def run_write(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(trip, *args)`` in one transaction and one trip; see the module docstring."""
        # Shielded: once the trip is under way it commits, and its events must then be
        # published even if the caller is cancelled meanwhile.
        return await asyncio.shield(self._run_write(fn, args))

    async def _run_write(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        if self._threads is None:
            trip_events: list[CommittedEvent] = []
            async with self._writer.begin() as connection:
                result = await connection.run_sync(lambda sync: fn(Trip(sync, trip_events), *args))
        else:
            threads = self._threads
            loop = asyncio.get_running_loop()
            result, trip_events = await loop.run_in_executor(threads.write_thread, _write_in_thread, threads.writer, fn, args)
        if trip_events:
            await self._notify(trip_events)
        return result

    async def run_read(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(connection, *args)`` on a reader, in one trip; for short reads."""
        if self._threads is None:
            async with self._reader.connect() as connection:
                return await connection.run_sync(fn, *args)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads.read_threads, _read_in_thread, self._threads.reader, fn, args)

    @asynccontextmanager
    async def _orm_turn(self) -> AsyncIterator[None]:
        """SQLite: hold the writer thread while an ORM transaction runs (see the module
        docstring). PostgreSQL's writers need no turns."""
        if self._threads is None:
            yield
            return
        loop = asyncio.get_running_loop()
        entered: asyncio.Future[None] = loop.create_future()
        finished = threading.Event()

        def hold() -> None:
            loop.call_soon_threadsafe(_resolve, entered)
            finished.wait()

        loop.run_in_executor(self._threads.write_thread, hold)
        try:
            await entered
            yield
        finally:
            finished.set()  # also when cancelled while queued: the turn then passes at once

    async def _notify(self, events: list[CommittedEvent]) -> None:
        for listener in self._listeners:
            try:
                await listener(events)
            except Exception:  # a broken listener must not undo a committed change
                log.exception("commit listener failed")
