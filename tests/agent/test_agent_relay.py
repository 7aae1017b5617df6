"""The agent against a real relay subprocess: login, commands, an outage, a SIGKILL.

Each test runs ``taskclock relay serve`` and ``taskclock agent native-host`` (which
starts ``taskclock agent run``) as separate processes, exactly as in production; only
the keyring is a test file backend (the real one is covered by test_agent_keyring_real).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from agent_host_process import HostProcess, daemon_pid, stop_daemon
from agent_relay_process import RelayProcess, RelayReader

PAGE_TASK = {"source": "asana", "external_id": "1201", "title": "Write report", "url": "https://app.asana.com/0/42/1201",
             "project": {"external_id": "42", "name": "Launch"}, "project_count": 1}


@dataclass
class Stack:
    relay: RelayProcess
    env: dict[str, str]
    api_token: str

    @property
    def home(self) -> Path:
        return Path(self.env["TASKCLOCK_HOME"])

    def reader(self) -> RelayReader:
        return RelayReader(self.relay, "acme", self.api_token)


def agent_cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bridge.cli", "agent", *args], input=stdin, text=True,
                          capture_output=True, env=env, timeout=60)


@pytest.fixture
def stack(agent_env: dict[str, str], tmp_path: Path) -> Iterator[Stack]:
    env = {**agent_env, "TASKCLOCK_AGENT_MAX_BACKOFF": "1"}
    relay = RelayProcess(tmp_path / "relay", env)
    relay.cli("tenant", "create", "acme", "--owner", "ann", "--password-stdin", stdin="correct horse battery\n")
    api_token = relay.cli("token", "issue", "--tenant", "acme", "ann").split()[-1]
    relay.start()
    login = agent_cli(env, "login", "--relay", relay.url, "--tenant", "acme", "--username", "ann",
                      "--api-token-stdin", stdin=api_token + "\n")
    assert login.returncode == 0, login.stderr
    try:
        yield Stack(relay, env, api_token)
    finally:
        try:
            stop_daemon(Path(env["TASKCLOCK_HOME"]))
        finally:
            relay.stop()


def wait_until(check: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def connected_host(stack: Stack) -> HostProcess:
    host = HostProcess(stack.env)
    assert host.request("hello", {"client": "test", "since": 0})["ok"]
    wait_until(lambda: host.request("status")["result"]["live"], what="agent connected, live events flowing")
    return host


def resolve_task(host: HostProcess) -> int:
    answer = host.request("resolve", {"items": [PAGE_TASK]})
    assert answer["ok"], answer
    view = answer["result"]["items"][0]
    assert view["trackable"], view
    return int(view["task_id"])


def instant(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def test_login_rejects_a_bad_token(stack: Stack) -> None:
    result = agent_cli(stack.env, "login", "--relay", stack.relay.url, "--tenant", "acme", "--username", "ann",
                       "--api-token-stdin", stdin="tc_not_a_token\n")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("taskclock: ") and len(result.stderr.strip().splitlines()) == 1


def keyring_login(stack: Stack) -> dict[str, str]:
    entries = json.loads(Path(stack.env["TASKCLOCK_TEST_KEYRING_FILE"]).read_text())
    return json.loads(entries["dev.taskclock.agent/login"])


def test_password_login_keeps_only_a_rotating_refresh_token(stack: Stack) -> None:
    result = agent_cli(stack.env, "login", "--relay", stack.relay.url, "--tenant", "acme", "--username", "ann",
                       "--password-stdin", stdin="correct horse battery\n")
    assert result.returncode == 0, result.stderr
    stored = keyring_login(stack)
    assert stored["kind"] == "refresh_token" and stored["secret"]
    assert "correct horse" not in Path(stack.env["TASKCLOCK_TEST_KEYRING_FILE"]).read_text()
    host = connected_host(stack)
    assert keyring_login(stack)["secret"] != stored["secret"]  # rotated on use, and kept
    assert host.close() == 0
    stop_daemon(stack.home)
    again = connected_host(stack)  # a new daemon signs in with the rotated token
    assert again.request("me")["result"]["username"] == "ann"
    assert again.close() == 0


def test_commands_flow_through_the_agent_online(stack: Stack) -> None:
    host = connected_host(stack)
    status = agent_cli(stack.env, "status")
    assert status.returncode == 0 and "online" in status.stdout and "ann @ acme" in status.stdout
    task_id = resolve_task(host)
    started = host.request("timer.start", {"task_id": task_id}, idempotency_key=str(uuid.uuid4()))
    assert started["ok"] and started["result"]["timer"]["task_id"] == task_id, started
    today = host.request("today")
    assert today["ok"] and today["result"]["timer"]["state"] == "running"
    time.sleep(1.1)
    stopped = host.request("timer.stop", {}, idempotency_key=str(uuid.uuid4()))
    assert stopped["ok"] and stopped["result"]["entry"]["task_id"] == task_id, stopped
    listing = host.request("entries.list", {"task_id": task_id})
    assert listing["ok"] and len(listing["result"]["items"]) == 1
    assert host.request("me")["result"]["username"] == "ann"
    assert host.close() == 0


def test_outage_commands_are_replayed_once_at_the_clicked_times(stack: Stack) -> None:
    host = connected_host(stack)
    task_id = resolve_task(host)
    stack.relay.stop(crash=True)
    clicks: dict[str, float] = {}
    keys: dict[str, str] = {}

    def click(op: str, args: dict[str, Any], key: str | None = None) -> None:
        clicks.setdefault(op, time.time())
        keys.setdefault(op, key or str(uuid.uuid4()))
        answer = host.request(op, args, idempotency_key=keys[op])
        assert answer == {"id": answer["id"], "ok": True, "queued": True, "result": None}, answer

    click("timer.start", {"task_id": task_id})
    time.sleep(3)
    click("timer.pause", {})
    time.sleep(2)
    click("timer.stop", {})
    click("timer.stop", {})  # the browser repeats a click (same idempotency key): still once
    today = datetime.now(timezone.utc).date().isoformat()
    click("entries.create", {"task_id": task_id, "date": today, "duration_seconds": 900, "notes": "written offline ✓"})
    status = host.request("status")["result"]
    assert status["outbox"] == 4 and status["connected"] is False
    offline_view = host.request("today")
    assert offline_view["ok"] and offline_view["result"]["optimistic"] is True
    assert b"written offline" not in b"".join(p.read_bytes() for p in stack.home.glob("agent-outbox.db*"))

    time.sleep(2)  # the relay comes back a while after the clicks
    stack.relay.start()
    wait_until(lambda: host.request("status")["result"]["outbox"] == 0, what="outbox drained")

    items = stack.reader().get(f"/entries?from={today}&to={today}")["items"]
    assert len(items) == 2, items
    timed = next(item for item in items if item["notes"] != "written offline ✓")
    manual = next(item for item in items if item["notes"] == "written offline ✓")
    assert manual["duration_seconds"] == 900 and manual["task_id"] == task_id
    assert abs(instant(timed["started_at"]) - clicks["timer.start"]) <= 2
    assert abs(instant(timed["ended_at"]) - clicks["timer.pause"]) <= 2
    assert abs(timed["duration_seconds"] - (clicks["timer.pause"] - clicks["timer.start"])) <= 2
    assert stack.reader().get("/timer")["timer"] is None
    assert host.close() == 0


def test_sigkill_before_forwarding_loses_nothing(stack: Stack) -> None:
    host = connected_host(stack)
    task_id = resolve_task(host)
    stack.relay.stop()
    clicked = time.time()
    answer = host.request("timer.start", {"task_id": task_id}, idempotency_key=str(uuid.uuid4()))
    assert answer["queued"] is True
    pid = daemon_pid(stack.home)
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    host.close()
    time.sleep(1.5)
    stack.relay.start()
    again = HostProcess(stack.env)  # a browser reconnects: the host starts a new daemon
    assert again.request("hello")["ok"]
    assert daemon_pid(stack.home) != pid
    wait_until(lambda: again.request("status")["result"]["outbox"] == 0, what="outbox drained after restart")
    timer = stack.reader().get("/timer")["timer"]
    assert timer is not None and timer["task_id"] == task_id
    assert abs(instant(timer["started_at"]) - clicked) <= 2
    assert again.close() == 0


def test_sigkill_while_the_relay_holds_the_request_sends_it_once(stack: Stack) -> None:
    host = connected_host(stack)
    task_id = resolve_task(host)
    stack.relay.freeze()
    clicked = time.time()
    try:
        host.send({"id": "frozen-1", "op": "timer.start", "idempotency_key": str(uuid.uuid4()),
                   "args": {"task_id": task_id}})
        host.send({"id": "frozen-2", "op": "entries.create", "idempotency_key": str(uuid.uuid4()),
                   "args": {"task_id": task_id, "date": datetime.now(timezone.utc).date().isoformat(),
                            "duration_seconds": 60, "notes": "sent while frozen"}})
        wait_until(lambda: host.request("status")["result"]["outbox"] == 2, what="commands in the outbox")
        pid = daemon_pid(stack.home)
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
    finally:
        stack.relay.thaw()
    host.close()
    again = HostProcess(stack.env)
    assert again.request("hello")["ok"]
    wait_until(lambda: again.request("status")["result"]["outbox"] == 0, what="outbox drained after restart")
    items = stack.reader().get(f"/entries?task_id={task_id}")["items"]
    assert [item["notes"] for item in items] == ["sent while frozen"]
    timer = stack.reader().get("/timer")["timer"]
    assert timer is not None and abs(instant(timer["started_at"]) - clicked) <= 2
    log = (stack.home / "agent.log").read_text()
    assert "relay refused" not in log  # the replays matched the first sends byte for byte
    assert again.close() == 0


def test_a_queued_command_the_relay_refuses_on_replay_is_reported(stack: Stack) -> None:
    host = connected_host(stack)
    stack.relay.stop(crash=True)
    answer = host.request("timer.pause", {}, idempotency_key=str(uuid.uuid4()))  # no timer runs
    assert answer["queued"] is True
    stack.relay.start()
    wait_until(lambda: host.request("status")["result"]["outbox"] == 0, what="outbox drained")
    rejected = host.request("status")["result"]["last_rejected"]
    assert rejected["op"] == "timer.pause" and rejected["error"]["code"] in ("no_timer", "conflict")
    status = agent_cli(stack.env, "status")
    assert "refused:    timer.pause" in status.stdout
    assert host.close() == 0
