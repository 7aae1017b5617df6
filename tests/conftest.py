"""Session-wide servers for the suites that need them: PostgreSQL and Redis.

Started once per test session on first use (``tests.harness.servers``), on 127.0.0.1,
from a temporary directory. A missing server binary FAILS the test that needs it,
with the command that installs it: a suite is never skipped silently.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.harness.servers import MissingServer, Postgres, Redis


def _start(kind: type[Postgres] | type[Redis]) -> Postgres | Redis:
    try:
        server = kind()
    except MissingServer as missing:
        pytest.fail(str(missing), pytrace=False)
    try:
        return server.start()
    except Exception as exc:
        log = server.log_text() if isinstance(server, Postgres) else ""
        server.stop()
        pytest.fail(f"could not start {kind.__name__}: {exc}\n{log}", pytrace=False)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Postgres]:
    """One PostgreSQL cluster for the session; tests take databases from it."""
    server = _start(Postgres)
    assert isinstance(server, Postgres)
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: Postgres) -> str:
    """An empty PostgreSQL database of this test's own (``postgresql://…``)."""
    return postgres_server.new_database()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Redis]:
    server = _start(Redis)
    assert isinstance(server, Redis)
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: Redis) -> str:
    return redis_server.url
