"""The relay as a user runs it: the CLI, a real process, any HTTP client, SIGKILL."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.harness.relay_process import RelayProcess, taskclock

PASSWORD = "s3cret-enough"


def http(method: str, url: str, body: object = None, token: str | None = None, key: str | None = None) -> tuple[int, dict]:
    """A plain urllib request: the relay works with any HTTP client."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if key:
        request.add_header("Idempotency-Key", key)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def home(tmp_path: Path) -> Path:
    created = taskclock(tmp_path, "relay", "tenant", "create", "acme", "--owner", "olga", "--password-stdin", stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    added = taskclock(tmp_path, "relay", "user", "add", "--tenant", "acme", "sam", "--role", "staff", "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    return tmp_path


@pytest.fixture
def relay_process(home: Path):
    relay = RelayProcess(home).start()
    yield relay
    relay.stop()


def login(relay: RelayProcess, username: str) -> str:
    status, body = http("POST", f"{relay.url}/api/v1/acme/auth/login", {"username": username, "password": PASSWORD})
    assert status == 200, body
    return body["access_token"]


PAGE_TASK = {
    "source": "asana", "external_id": "555", "title": "Quarterly report", "url": "https://app.asana.com/0/9/555",
    "project": {"external_id": "9", "name": "Finance"}, "project_count": 1,
}


def test_the_whole_scenario_against_a_running_relay(relay_process):
    api = f"{relay_process.url}/api/v1/acme"
    token = login(relay_process, "sam")
    assert http("GET", f"{relay_process.url}/healthz") == (200, {"ok": True})
    status, resolved = http("POST", f"{api}/tasks/resolve", {"items": [PAGE_TASK]}, token, str(uuid.uuid4()))
    assert status == 200 and resolved["items"][0]["trackable"]
    task_id = resolved["items"][0]["task_id"]
    assert http("POST", f"{api}/timer/start", {"task_id": task_id}, token, str(uuid.uuid4()))[0] == 200
    time.sleep(1.1)  # the relay counts whole seconds
    status, today = http("GET", f"{api}/today", token=token)
    assert today["timer"]["state"] == "running" and today["timer"]["task_id"] == task_id
    paused = http("POST", f"{api}/timer/pause", {}, token, str(uuid.uuid4()))[1]["timer"]
    assert paused["state"] == "paused"
    time.sleep(1.1)
    assert http("POST", f"{api}/timer/resume", {}, token, str(uuid.uuid4()))[1]["timer"]["state"] == "running"
    time.sleep(1.1)
    status, stopped = http("POST", f"{api}/timer/stop", {}, token, str(uuid.uuid4()))
    assert status == 200
    status, listed = http("GET", f"{api}/entries?task_id={task_id}", token=token)
    assert len(listed["items"]) == 1
    entry = listed["items"][0]
    running = (datetime.fromisoformat(entry["ended_at"]) - datetime.fromisoformat(entry["started_at"])).total_seconds()
    assert entry["duration_seconds"] <= running  # the paused gap is not counted
    assert entry["duration_seconds"] == stopped["entry"]["duration_seconds"]
    day = datetime.now(timezone.utc).date().isoformat()
    status, manual = http("POST", f"{api}/entries", {"task_id": task_id, "date": day, "duration_seconds": 5400, "notes": "review"}, token, str(uuid.uuid4()))
    assert status == 201 and manual["entry"]["notes"] == "review"
    entry_id = manual["entry"]["id"]
    status, edited = http("PATCH", f"{api}/entries/{entry_id}", {"duration_seconds": 3600}, token, str(uuid.uuid4()))
    assert edited["entry"]["duration_seconds"] == 3600
    status, sheet = http("GET", f"{api}/timesheet?month={day[:7]}", token=token)
    assert sheet["total_seconds"] == 3600 + entry["duration_seconds"]
    assert status == 200
    assert http("DELETE", f"{api}/entries/{entry_id}", None, token, str(uuid.uuid4()))[0] == 200
    status, sheet = http("GET", f"{api}/timesheet?month={day[:7]}", token=token)
    assert sheet["total_seconds"] == entry["duration_seconds"]
    assert [d["seconds"] for d in sheet["days"] if d["date"] == day] == [entry["duration_seconds"]]


def test_sigkill_right_after_acknowledged_commands_loses_nothing(home: Path):
    relay = RelayProcess(home).start()
    api = f"{relay.url}/api/v1/acme"
    token = login(relay, "sam")
    task_id = http("POST", f"{api}/tasks/resolve", {"items": [PAGE_TASK]}, token)[1]["items"][0]["task_id"]
    day = datetime.now(timezone.utc).date().isoformat()
    acknowledged = []
    for n in range(25):
        status, body = http("POST", f"{api}/entries", {"task_id": task_id, "date": day, "duration_seconds": 60 + n, "notes": f"n{n}"}, token, str(uuid.uuid4()))
        assert status == 201
        acknowledged.append(body["entry"]["id"])
    assert http("POST", f"{api}/timer/start", {"task_id": task_id}, token, str(uuid.uuid4()))[0] == 200
    assert http("POST", f"{api}/attendance/clock-in", {}, token, str(uuid.uuid4()))[0] == 200
    relay.kill()
    restarted = RelayProcess(home, port=relay.port).start()
    try:
        token = login(restarted, "sam")
        entries = http("GET", f"{api}/entries", token=token)[1]["items"]
        assert sorted(e["id"] for e in entries) == sorted(acknowledged)
        today = http("GET", f"{api}/today", token=token)[1]
        assert today["timer"]["state"] == "running"
        assert today["attendance"]["state"] == "in"
    finally:
        restarted.stop()


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (["relay", "user", "add", "--tenant", "acme", "bob", "--role", "boss", "--password-stdin"], PASSWORD + "\n", "unknown role"),
        (["relay", "user", "add", "--tenant", "acme", "bob", "--role", "staff"], PASSWORD + "\n", "--password-stdin"),
        (["relay", "user", "add", "--tenant", "acme", "bob", "--role", "staff", "--password-stdin"], "short\n", "at least 8"),
        (["relay", "tenant", "create", "Bad Slug", "--owner", "x", "--password-stdin"], PASSWORD + "\n", "invalid company slug"),
        (["relay", "serve", "--port", "many"], None, "invalid int"),
        (["relay", "user", "add", "--tenant", "acme", "bob", "--role", "staff", "--time-zone", "Mars/Base", "--password-stdin"], PASSWORD + "\n", "unknown time zone"),
    ],
)
def test_cli_usage_errors_exit_2_with_one_clear_line(tmp_path: Path, args, stdin, message):
    result = taskclock(tmp_path, *args, stdin=stdin)
    assert result.returncode == 2, result
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_failures_exit_1_without_traceback(home: Path):
    again = taskclock(home, "relay", "tenant", "create", "acme", "--owner", "x", "--password-stdin", stdin=PASSWORD + "\n")
    assert again.returncode == 1 and "exists already" in again.stderr and "Traceback" not in again.stderr
    unknown = taskclock(home, "relay", "user", "add", "--tenant", "nope", "bob", "--role", "staff", "--password-stdin", stdin=PASSWORD + "\n")
    assert unknown.returncode == 1 and "no company" in unknown.stderr
