"""The system under test: a seeded relay database, minted tokens, the relay process.

Call ``seed(home, users, heavy_entries)`` once per run (it writes the SQLite file the
relay will open), then ``RelayServer(home).start()``. Tokens are minted with the
signing key ``seed`` stored, exactly as the relay signs them, because 1,000 Argon2id
logins would take longer than the benchmarks they feed.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Self

import sqlalchemy as sa

from bench import machine

TENANT = "bench"
OWNER = "owner"
HEAVY_USER = "heavy"
#: Minted tokens outlive any run (the relay checks ``exp`` only).
TOKEN_SECONDS = 3 * 3600
#: Month view: the seeded history spans this many months, the heavy month is the last.
HISTORY_MONTHS = 100
HEAVY_MONTH = "2026-10"
#: The repository root (``python -m bench.baseline`` must find the package).
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Seeded:
    """What the benchmarks need to know about the seeded tenant."""

    database_url: str
    tenant_id: int
    task_id: int
    owner: tuple[int, str]
    users: list[tuple[int, str]]
    heavy: tuple[int, str]


def database_url(home: Path) -> str:
    return f"sqlite:///{home / 'relay.db'}"


def seed(home: Path, users: int, heavy_entries: int) -> Seeded:
    """Create the tenant, ``users`` staff, one trackable task, a signing key and the
    heavy user's ``heavy_entries`` entries; return ids and minted access tokens."""
    return asyncio.run(_seed(home, users, heavy_entries))


async def _seed(home: Path, user_count: int, heavy_entries: int) -> Seeded:
    from bridge.auth.passwords import hash_password
    from bridge.auth.tokens import KeyRing, new_key_material
    from bridge.core.roles import Role
    from bridge.settings import Settings
    from bridge.store import accounts, tasks
    from bridge.store.database import Database

    home.mkdir(parents=True, exist_ok=True)
    url = database_url(home)
    settings = Settings.from_environ({}, home=str(home), database_url=url)
    now = datetime.now(UTC).replace(microsecond=0)
    password = hash_password("bench-password-1")  # one hash for everyone: Argon2id is slow on purpose
    key = new_key_material(now)
    database = await Database.open(url)
    try:
        async with database.write() as tx:
            tenant = await accounts.create_tenant(tx, TENANT, "Benchmark Ltd", now)
            owner = await accounts.add_user(tx, tenant.id, OWNER, password, Role.OWNER, now)
            heavy = await accounts.add_user(tx, tenant.id, HEAVY_USER, password, Role.STAFF, now)
            staff = [await accounts.add_user(tx, tenant.id, f"u{n:05d}", password, Role.STAFF, now) for n in range(user_count)]
            accounts.add_signing_key(tx, key)
            page = tasks.PageTask("asana", "bench-task-1", "Benchmark task", "https://app.asana.com/0/1/1", "bench-project", "Bench", 1)
            views = await tasks.resolve(tx, accounts.actor_of(owner), [page], now)
        task_id = int(views[0]["task_id"])
        await _heavy_history(database, tenant.id, heavy.id, task_id, heavy_entries, now)
    finally:
        await database.close()
    ring = KeyRing([key], settings.issuer, settings.audience)

    def mint(user_id: int) -> tuple[int, str]:
        return user_id, ring.issue(user_id, tenant.id, now, TOKEN_SECONDS)

    return Seeded(url, tenant.id, task_id, mint(owner.id), [mint(u.id) for u in staff], mint(heavy.id))


async def _heavy_history(database: object, tenant_id: int, user_id: int, task_id: int, count: int, now: datetime) -> None:
    """``count`` timer entries spread evenly over HISTORY_MONTHS months ending HEAVY_MONTH."""
    from bridge.store.models import Entry

    last = date.fromisoformat(HEAVY_MONTH + "-28")
    first = last - timedelta(days=HISTORY_MONTHS * 30)
    span_days = (last - first).days + 1
    rows = []
    for n in range(count):
        day = first + timedelta(days=n * span_days // max(count, 1))
        start = datetime(day.year, day.month, day.day, 6, tzinfo=UTC) + timedelta(seconds=(n % 40) * 420)
        rows.append({
            "tenant_id": tenant_id, "user_id": user_id, "task_id": task_id, "day": day, "duration_seconds": 400,
            "notes": f"entry {n}", "started_at": start, "ended_at": start + timedelta(seconds=400), "origin": "timer",
            "created_at": now, "updated_at": now,
        })
    async with database.write() as tx:  # type: ignore[attr-defined]
        for chunk in range(0, len(rows), 5000):
            await tx.session.execute(sa.insert(Entry), rows[chunk:chunk + 5000])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    """Return once ``port`` accepts connections; raise with the log tail otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"server did not listen within {timeout}s: {log.read_text()[-2000:]}")


def _pinned(cores: set[int]) -> list[str]:
    """``taskset -c CORES`` when there is one: pinned from the first instruction, so every
    thread the server starts inherits it (util-linux; on other systems: not pinned)."""
    taskset = shutil.which("taskset")
    return [taskset, "-c", ",".join(map(str, sorted(cores)))] if taskset else []


class ServerProcess:
    """A server subprocess pinned to the relay core; ``stop()`` is SIGTERM, then KILL."""

    def __init__(self, name: str, argv: list[str], home: Path, env: dict[str, str] | None = None) -> None:
        self.name = name
        self.argv = argv
        self.home = home
        self.env = env
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = home / f"{name}-{self.port}.log"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> ServerProcess:
        machine.raise_file_limit()  # inherited by the child
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [*_pinned(machine.RELAY_CORES), *self.argv, "--port", str(self.port)], stdout=log, stderr=subprocess.STDOUT,
                env=self.env, cwd=REPO,
            )
        wait_listening(self.port, self.process, timeout, self.log)
        return self

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def relay_server(home: Path) -> ServerProcess:
    """``taskclock relay serve`` on the seeded database (not started yet)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKCLOCK_")}
    env.update(TASKCLOCK_HOME=str(home), PYTHONUNBUFFERED="1")
    script = str(Path(sys.executable).with_name("taskclock"))
    argv = [script, "relay", "serve", "--database", database_url(home)]
    return ServerProcess("relay", argv, home, env)


def baseline_server(home: Path, kind: str) -> ServerProcess:
    """The bare ``websockets`` (``kind="ws"``) or aiohttp+SQLite (``"http"``) baseline."""
    argv = [sys.executable, "-m", "bench.baseline", kind, "--database", str(home / "relay.db")]
    return ServerProcess(f"baseline-{kind}", argv, home)
