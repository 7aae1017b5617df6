"""The server harness fails loudly, with the fix, when a server binary is missing."""

from __future__ import annotations

import pytest

from tests.harness import servers


def test_missing_postgres_names_the_package_and_make_test(monkeypatch):
    monkeypatch.setattr(servers.glob, "glob", lambda _pattern: [])
    monkeypatch.setattr(servers.shutil, "which", lambda _name: None)
    with pytest.raises(servers.MissingServer, match=r"apt-get install postgresql redis-server.*make test"):
        servers.Postgres()


def test_missing_redis_names_the_package_and_make_test(monkeypatch):
    monkeypatch.setattr(servers.shutil, "which", lambda _name: None)
    with pytest.raises(servers.MissingServer, match=r"apt-get install postgresql redis-server.*make test"):
        servers.Redis()
