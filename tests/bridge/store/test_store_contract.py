"""The storage contract, one suite over both backends: SQLite and a real PostgreSQL.

What the rest of the relay relies on the database itself to guarantee: per-tenant
event numbers strictly increasing and gapless even under concurrent writers (two
``Database`` objects stand for two relay processes), one timer per user, one open
attendance interval per user, one idempotency record per (user, key), and a schema
upgrade that keeps the data.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from bridge.core.roles import Actor, Role
from bridge.store import accounts, catchup, events, idempotency, schema
from bridge.store.database import Database
from bridge.store.models import Attendance, Project, Task, Timer

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
WRITERS = 8
APPENDS_PER_WRITER = 15


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
async def db(store_url: str) -> AsyncIterator[Database]:
    database = await Database.open(store_url)
    yield database
    await database.close()


async def _tenant_with_user(db: Database, slug: str, username: str = "sam") -> Actor:
    async with db.write() as tx:
        tenant = await accounts.create_tenant(tx, slug, slug.title(), NOW)
        user = await accounts.add_user(tx, tenant.id, username, "x", Role.STAFF, NOW, "UTC")  # type: ignore[arg-type]
    return accounts.actor_of(user)


async def _task(db: Database, actor: Actor) -> int:
    async with db.write() as tx:
        project = Project(tenant_id=actor.tenant_id, source="asana", external_id="p1", name="P")
        tx.session.add(project)
        await tx.session.flush()
        task = Task(tenant_id=actor.tenant_id, project_id=project.id, source="asana", external_id="t1", title="T")
        tx.session.add(task)
        await tx.session.flush()
        return task.id  # type: ignore[return-value]


async def test_event_seq_is_strictly_increasing_and_gapless_under_concurrent_writers(db, store_url):
    acme = await _tenant_with_user(db, "acme")
    umbrella = await _tenant_with_user(db, "umbrella")
    second_relay = await Database.open(store_url)

    async def writer(database: Database, actor: Actor) -> list[int]:
        seqs = []
        for n in range(APPENDS_PER_WRITER):
            async with database.write() as tx:
                event = await events.append(tx, actor.tenant_id, actor.user_id, "attendance.clocked_in", {"n": n}, NOW)
            seqs.append(event.seq)
        return seqs

    try:
        jobs = [writer(db if i % 2 else second_relay, acme if i % 4 < 2 else umbrella) for i in range(WRITERS)]
        results = await asyncio.wait_for(asyncio.gather(*jobs), timeout=120)
    finally:
        await second_relay.close()
    for seqs in results:
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)  # each writer sees them rise
    for actor in (acme, umbrella):
        latest = await catchup.log_position(db, actor.tenant_id)
        logged = await catchup.log_range(db, actor.tenant_id, 0, latest)
        expected = (WRITERS // 2) * APPENDS_PER_WRITER
        assert [e.seq for e in logged] == list(range(1, expected + 1))
        assert latest == expected
        assert all(e.tenant_id == actor.tenant_id for e in logged)


async def test_a_rolled_back_change_leaves_no_hole_in_the_sequence(db):
    actor = await _tenant_with_user(db, "acme")
    with pytest.raises(RuntimeError):
        async with db.write() as tx:
            await events.append(tx, actor.tenant_id, actor.user_id, "timer.started", {}, NOW)
            raise RuntimeError("the command failed after appending")
    async with db.write() as tx:
        event = await events.append(tx, actor.tenant_id, actor.user_id, "timer.started", {}, NOW)
    assert event.seq == 1


async def test_events_are_published_only_after_commit(db):
    actor = await _tenant_with_user(db, "acme")
    published: list[int] = []

    async def listener(batch: list) -> None:
        published.extend(e.seq for e in batch)

    db.add_commit_listener(listener)
    with pytest.raises(RuntimeError):
        async with db.write() as tx:
            await events.append(tx, actor.tenant_id, actor.user_id, "timer.started", {}, NOW)
            raise RuntimeError("rolled back")
    assert published == []
    async with db.write() as tx:
        await events.append(tx, actor.tenant_id, actor.user_id, "timer.started", {}, NOW)
        assert published == []  # not yet: still inside the transaction
    assert published == [1]


async def test_the_database_allows_one_timer_per_user(db):
    actor = await _tenant_with_user(db, "acme")
    task_id = await _task(db, actor)
    async with db.write() as tx:
        tx.session.add(Timer(tenant_id=actor.tenant_id, user_id=actor.user_id, task_id=task_id, segments=[]))
    with pytest.raises(IntegrityError):
        async with db.write() as tx:
            tx.session.add(Timer(tenant_id=actor.tenant_id, user_id=actor.user_id, task_id=task_id, segments=[]))
    async with db.read() as session:
        assert await _count(session, Timer) == 1


async def test_the_database_allows_one_open_attendance_per_user(db):
    actor = await _tenant_with_user(db, "acme")
    async with db.write() as tx:
        tx.session.add(Attendance(tenant_id=actor.tenant_id, user_id=actor.user_id, clock_in=NOW))
    with pytest.raises(IntegrityError):
        async with db.write() as tx:
            tx.session.add(Attendance(tenant_id=actor.tenant_id, user_id=actor.user_id, clock_in=NOW + timedelta(hours=1)))
    # Closed intervals do not count: close it, then open another.
    async with db.write() as tx:
        row = (await tx.session.execute(_select(Attendance))).scalars().one()
        row.clock_out = NOW + timedelta(hours=2)
    async with db.write() as tx:
        tx.session.add(Attendance(tenant_id=actor.tenant_id, user_id=actor.user_id, clock_in=NOW + timedelta(hours=3)))
    async with db.read() as session:
        assert await _count(session, Attendance) == 2


async def test_idempotency_keeps_the_first_answer_once_per_user_and_key(db):
    actor = await _tenant_with_user(db, "acme")
    other = await _tenant_with_user(db, "umbrella", "eve")
    fingerprint = idempotency.request_fingerprint("POST", "/api/v1/acme/timer/stop", b"{}")
    async with db.write() as tx:
        assert await idempotency.lookup(tx.session, actor.tenant_id, actor.user_id, "k1", fingerprint) is None
        await idempotency.remember(tx, actor.tenant_id, actor.user_id, "k1", fingerprint, 200, {"entry": 1}, NOW)
    async with db.read() as session:
        assert await idempotency.lookup(session, actor.tenant_id, actor.user_id, "k1", fingerprint) == (200, {"entry": 1})
        # The same key is someone else's own key: no answer leaks across users.
        assert await idempotency.lookup(session, other.tenant_id, other.user_id, "k1", fingerprint) is None
    with pytest.raises(idempotency.DuplicateKey):
        async with db.write() as tx:
            await idempotency.remember(tx, actor.tenant_id, actor.user_id, "k1", fingerprint, 200, {"entry": 2}, NOW)
    async with db.read() as session:
        assert await idempotency.lookup(session, actor.tenant_id, actor.user_id, "k1", fingerprint) == (200, {"entry": 1})


async def test_reopening_migrates_nothing_twice_and_keeps_the_data(store_url):
    first = await Database.open(store_url)
    actor = await _tenant_with_user(first, "acme")
    async with first.write() as tx:
        await events.append(tx, actor.tenant_id, actor.user_id, "attendance.clocked_in", {"kept": True}, NOW)
    await first.close()
    second = await Database.open(store_url)  # a restart, or an upgraded relay
    try:
        async with second.read() as session:
            tenant = await accounts.tenant_by_slug(session, "acme")
            assert (await accounts.user_by_id(session, tenant.id, actor.user_id)).username == "sam"  # type: ignore[arg-type]
            (event,) = await catchup.log_range(second, tenant.id, 0, await catchup.log_position(second, tenant.id))  # type: ignore[arg-type]
            assert event.data == {"kept": True}
        assert await _version(second) == schema.LATEST
    finally:
        await second.close()


async def test_catch_up_is_scoped_by_tenant_and_user(db):
    sam = await _tenant_with_user(db, "acme")
    async with db.write() as tx:
        tom = accounts.actor_of(await accounts.add_user(tx, sam.tenant_id, "tom", "x", Role.STAFF, NOW, "UTC"))
    eve = await _tenant_with_user(db, "umbrella", "eve")
    async with db.write() as tx:
        for actor in (sam, tom, eve):
            await events.append(tx, actor.tenant_id, actor.user_id, "attendance.clocked_in", {}, NOW)
        await events.append(tx, sam.tenant_id, None, "task.updated", {}, NOW)
    mine = await catchup.catch_up(db, sam, 0, False, NOW, lambda *_: False)
    assert [(e.seq, e.user_id) for e in mine.missed] == [(1, sam.user_id), (3, None)]
    everything = await catchup.catch_up(db, sam, 0, True, NOW, lambda *_: False)
    assert [e.seq for e in everything.missed] == [1, 2, 3] and everything.seq == 3
    theirs = await catchup.catch_up(db, eve, 0, True, NOW, lambda *_: False)
    assert [(e.tenant_id, e.seq) for e in theirs.missed] == [(eve.tenant_id, 1)]


async def _version(db: Database) -> int:
    async with db.read() as session:
        connection = await session.connection()
        return await schema.current_version(connection)


def _select(model: type) -> object:
    from sqlmodel import select

    return select(model)


async def _count(session: object, model: type) -> int:
    return len((await session.execute(_select(model))).scalars().all())  # type: ignore[attr-defined]
