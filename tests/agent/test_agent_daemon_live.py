"""The daemon in-process against an in-process relay: pushes, catch-up, token renewal,
and a plain message when two-factor authentication disables the stored API token."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from agent import run
from agent.config import AgentConfig
from agent.credentials import Credentials, StoredLogin
from agent.ipc import connect, read_message, write_message
from bridge import admin
from bridge.app import create_app
from bridge.auth import totp
from bridge.settings import Settings

PASSWORD = "correct horse battery"
PAGE_TASK = {"source": "jira", "external_id": "OPS-7", "title": "Rotate keys", "url": "https://x.atlassian.net/browse/OPS-7",
             "project": {"external_id": "OPS", "name": "Operations"}, "project_count": 1}


class Port:
    """One native host's view of the daemon: requests by id, pushes kept in order."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.pushes: list[dict[str, Any]] = []
        self._count = 0

    async def request(self, op: str, args: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        self._count += 1
        request_id = f"q{self._count}"
        write_message(self.writer, {"id": request_id, "op": op, "args": args or {}, **extra})
        await self.writer.drain()
        while True:
            message = await asyncio.wait_for(read_message(self.reader), 15)
            assert isinstance(message, dict)
            if message.get("id") == request_id:
                return message
            self.pushes.append(message)

    async def push(self, kind: str, timeout: float = 10) -> dict[str, Any]:
        """The next pushed message of ``kind`` (earlier ones of other kinds are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            for index, message in enumerate(self.pushes):
                if message.get("type") == kind:
                    return self.pushes.pop(index)
            message = await asyncio.wait_for(read_message(self.reader), max(0.01, deadline - time.monotonic()))
            assert isinstance(message, dict)
            self.pushes.append(message)


@dataclass
class Stack:
    relay_url: str
    config: AgentConfig
    api_token: str

    async def port(self) -> Port:
        return Port(*await connect(self.config.socket_path))


@pytest.fixture
async def stack(tmp_path: Path, config: AgentConfig, memory_keyring: object) -> AsyncIterator[Stack]:
    settings = Settings.from_environ({"TASKCLOCK_HOME": str(tmp_path / "relay")}, access_token_seconds=8)
    settings.home.mkdir(parents=True)
    await admin.create_tenant(settings, "acme", "Acme", "ann", PASSWORD, "UTC")
    api_token = await admin.issue_api_token(settings, "acme", "ann")
    server = TestServer(create_app(settings), host="127.0.0.1")
    await server.start_server()
    url = str(server.make_url("")).rstrip("/")
    Credentials.open().save_login(StoredLogin(url, "acme", "ann", "api_token", api_token))
    ready = asyncio.Event()
    task = asyncio.create_task(run.serve(config, ready=ready, handle_signals=False))
    await asyncio.wait_for(ready.wait(), 15)
    try:
        yield Stack(url, config, api_token)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await server.close()


async def wait_status(port: Port, key: str, value: Any, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status = (await port.request("status"))["result"]
        if status.get(key) == value:
            return status
        assert time.monotonic() < deadline, f"status never had {key}={value!r}: {status}"
        await asyncio.sleep(0.1)


async def test_events_reach_every_browser_and_catch_up_by_since(stack: Stack) -> None:
    first, second = await stack.port(), await stack.port()
    assert (await first.request("hello", {"since": 0}))["ok"]
    await wait_status(first, "live", True)
    assert (await second.request("hello", {"since": 0}))["ok"]
    task_id = (await first.request("resolve", {"items": [PAGE_TASK]}))["result"]["items"][0]["task_id"]
    started = await first.request("timer.start", {"task_id": task_id}, idempotency_key=str(uuid.uuid4()))
    assert started["ok"] and started["result"]["timer"]["state"] == "running"
    events = [await first.push("event"), await second.push("event")]
    assert [e["name"] for e in events] == ["timer.started", "timer.started"]
    seq = events[0]["seq"]
    status_push = await first.push("status")
    assert set(status_push) == {"type", "connected", "signed_in", "outbox"}
    late = await stack.port()
    hello = await late.request("hello", {"since": seq - 1})
    assert hello["result"]["seq"] >= seq
    replayed = await late.push("event")
    assert (replayed["seq"], replayed["name"]) == (seq, "timer.started")
    today = await first.request("today")
    assert today["result"]["timer"]["task_id"] == task_id


async def test_session_is_renewed_on_the_live_socket_without_reconnecting(stack: Stack) -> None:
    port = await stack.port()
    assert (await port.request("hello"))["ok"]
    await wait_status(port, "live", True)
    await asyncio.sleep(11)  # longer than the 8-second access token
    status = (await port.request("status"))["result"]
    assert status["live"] is True and status["live_sessions"] == 1, status
    assert (await port.request("me"))["result"]["username"] == "ann"  # REST token renewed too


async def test_two_factor_disables_auto_login_with_a_plain_message(stack: Stack) -> None:
    port = await stack.port()
    assert (await port.request("hello"))["ok"]
    await wait_status(port, "live", True)
    async with aiohttp.ClientSession(base_url=stack.relay_url) as http:
        credentials = {"username": "ann", "password": PASSWORD}
        signed = await (await http.post("/api/v1/acme/auth/login", json=credentials)).json()
        auth = {"Authorization": f"Bearer {signed['access_token']}"}
        setup = await (await http.post("/api/v1/acme/me/2fa/setup", headers=auth)).json()
        code = totp.code_at(setup["secret"], totp.step_at(datetime.now(timezone.utc)))
        enabled = await http.post("/api/v1/acme/me/2fa/enable", json={"otp": code}, headers=auth)
        assert enabled.status == 200, await enabled.text()
    status = await wait_status(port, "state", "signed_out", timeout=30)
    assert "two-factor" in status["detail"] and "--password-stdin" in status["detail"]
    assert status["signed_in"] is False
