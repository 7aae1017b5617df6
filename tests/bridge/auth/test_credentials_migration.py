"""Migration v2 adds the credential tables to a database made before them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bridge.store import schema
from bridge.store.database import Database

CREDENTIAL_TABLES = {"api_token", "refresh_family", "refresh_token", "login_throttle"}


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


async def test_v2_creates_the_credential_tables_on_a_v1_database(tmp_path: Path):
    path = tmp_path / "old.db"
    database = await Database.open(f"sqlite:///{path}")
    await database.close()
    with sqlite3.connect(path) as connection:  # make it look like a database from before issue 3
        for table in CREDENTIAL_TABLES:
            connection.execute(f"DROP TABLE {table}")
        connection.execute("INSERT INTO tenant (slug, name, event_seq, created_at) VALUES ('acme', 'Acme', 0, '2026-01-01 00:00:00')")
        connection.execute("UPDATE schema_version SET version = 1")
    assert not CREDENTIAL_TABLES & tables(path)

    database = await Database.open(f"sqlite:///{path}")
    await database.close()
    assert CREDENTIAL_TABLES <= tables(path)
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT version FROM schema_version").fetchone()[0] == schema.LATEST >= 2
        assert connection.execute("SELECT slug FROM tenant").fetchall() == [("acme",)]
