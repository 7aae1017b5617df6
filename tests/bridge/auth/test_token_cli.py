"""``taskclock relay token issue`` prints a working API token and revokes the previous."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bridge.app import create_app
from bridge.cli import main
from bridge.settings import Settings


def run_cli(monkeypatch, capsys, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    with pytest.raises(SystemExit) as exit_:
        main(list(argv))
    status = exit_.value.code
    out, err = capsys.readouterr()
    return status, out.strip(), err.strip()


async def token_login_status(settings: Settings, token: str) -> int:
    async with TestClient(TestServer(create_app(settings))) as client:
        response = await client.post("/api/v1/acme/auth/token-login", json={"api_token": token})
        return response.status


def test_token_issue(tmp_path: Path, monkeypatch, capsys):
    database = f"sqlite:///{tmp_path / 'relay.db'}"
    monkeypatch.setenv("TASKCLOCK_HOME", str(tmp_path))
    assert run_cli(monkeypatch, capsys, "relay", "tenant", "create", "acme", "--owner", "olga", "--password-stdin", "--database", database, stdin="long enough password\n")[0] == 0
    status, first, _ = run_cli(monkeypatch, capsys, "relay", "token", "issue", "--tenant", "acme", "olga", "--database", database)
    assert status == 0 and first.startswith("tc_") and "\n" not in first
    status, second, _ = run_cli(monkeypatch, capsys, "relay", "token", "issue", "--tenant", "acme", "olga", "--database", database)
    assert status == 0 and second != first

    settings = Settings.from_environ({}, home=tmp_path, database_url=database)
    assert asyncio.run(token_login_status(settings, second)) == 200
    assert asyncio.run(token_login_status(settings, first)) == 401

    status, _, err = run_cli(monkeypatch, capsys, "relay", "token", "issue", "--tenant", "acme", "nobody", "--database", database)
    assert status == 1 and "nobody" in err and "Traceback" not in err
