"""``taskclock agent native-host`` started as a browser starts it: frames over pipes."""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from agent_host_process import HostProcess, daemon_pid, stop_daemon
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


@pytest.fixture
def env(agent_env: dict[str, str]) -> Iterator[dict[str, str]]:
    yield agent_env
    stop_daemon(Path(agent_env["TASKCLOCK_HOME"]))


def test_round_trip_starts_the_daemon_and_answers(env: dict[str, str]) -> None:
    host = HostProcess(env)
    hello = host.request("hello", {"client": "taskclock-extension", "version": "0.1.0", "since": 0})
    assert hello["ok"] is True
    result = hello["result"]
    assert result["agent"] == "taskclock-agent" and result["protocol"] == 1
    assert result["signed_in"] is False and result["connected"] is False
    assert daemon_pid(Path(env["TASKCLOCK_HOME"])) is not None
    status = host.request("status")
    assert status["ok"] and status["result"]["outbox"] == 0
    assert host.request("rm -rf /")["error"]["code"] == "unknown_op"
    assert host.request("timer.start", {"task_id": 1})["error"]["code"] == "not_signed_in"
    assert host.request("today")["error"]["code"] == "relay_unavailable"
    host.send_raw(struct.pack("=I", 5) + b"{nope")
    assert host.read()["error"]["code"] == "bad_frame"
    host.send_raw(struct.pack("=I", 2) + b"\xff\xfe")
    assert host.read()["error"]["code"] == "bad_frame"
    host.send([1, 2])
    assert host.read()["error"]["code"] == "bad_request"
    assert host.request("status")["ok"]  # still serving after the garbage
    assert host.close() == 0
    assert "Traceback" not in host.stderr()


def test_second_host_shares_the_daemon_and_firefox_caller_is_accepted(env: dict[str, str], tmp_path: Path) -> None:
    first = HostProcess(env)
    assert first.request("hello")["ok"]
    pid = daemon_pid(Path(env["TASKCLOCK_HOME"]))
    second = HostProcess(env, [str(tmp_path / "dev.taskclock.agent.json"), "taskclock@taskclock.dev"])
    assert second.request("hello")["ok"]
    assert daemon_pid(Path(env["TASKCLOCK_HOME"])) == pid
    assert first.close() == 0 and second.close() == 0


@pytest.mark.parametrize("caller", [["--parent-window=0"], ["chrome-extension://abcdefghijklmnopabcdefghijklmnop/"],
                                    ["/x/manifest.json", "evil@example.com"]])
def test_strangers_are_refused(env: dict[str, str], caller: list[str]) -> None:
    host = HostProcess(env, caller)
    assert host.read()["error"]["code"] == "forbidden"
    assert host.close() == 1
    assert daemon_pid(Path(env["TASKCLOCK_HOME"])) is None


def test_sigterm_ends_the_host(env: dict[str, str]) -> None:
    host = HostProcess(env, ["chrome-extension://kgeblhliigajgajoelendidflbdhijji/", "--parent-window=0"])
    assert host.request("hello")["ok"]
    host.process.send_signal(signal.SIGTERM)
    assert host.process.wait(10) == 0


def test_oversized_frame_gets_an_error_and_the_host_goes_on(env: dict[str, str]) -> None:
    host = HostProcess(env)
    size = 1024 * 1024 + 1
    host.send_raw(struct.pack("=I", size) + b" " * size)
    assert host.read()["error"]["code"] == "frame_too_large"
    assert host.request("status")["ok"]
    assert host.close() == 0


garbage = st.lists(
    st.one_of(
        st.binary(max_size=32),
        st.just(b"\xff\xff\xff\xff"),
        st.builds(lambda n: struct.pack("=I", n), st.integers(0, 2**32 - 1)),
        st.builds(lambda b: struct.pack("=I", len(b)) + b, st.binary(max_size=16)),
        st.builds(lambda b: struct.pack("=I", len(b) + 1) + b"\xc3" + b, st.binary(max_size=8)),
    ),
    max_size=6,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=garbage)
def test_fuzzed_input_never_crashes_the_host(env: dict[str, str], parts: list[bytes]) -> None:
    host = HostProcess(env)
    host.send_raw(b"".join(parts))
    assert host.close(timeout=20) == 0
    err = host.stderr()
    assert "Traceback" not in err, err
    assert host.process.stdout is not None
    rest = host.process.stdout.read()
    while rest:  # every frame the host wrote is well-formed and under 1 MiB
        (length,) = struct.unpack("=I", rest[:4])
        assert length <= 1024 * 1024 and len(rest) >= 4 + length
        rest = rest[4 + length :]


def listening_tcp_inodes() -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                if fields[3] == "0A":  # LISTEN
                    inodes.add(fields[9])
    return inodes


def test_daemon_listens_on_no_tcp_port_and_status_reports_it(env: dict[str, str]) -> None:
    host = HostProcess(env)
    assert host.request("hello")["ok"]
    home = Path(env["TASKCLOCK_HOME"])
    pid = daemon_pid(home)
    assert pid is not None
    sockets = {os.readlink(f"/proc/{pid}/fd/{fd}")[8:-1] for fd in os.listdir(f"/proc/{pid}/fd")
               if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")}
    assert sockets and not sockets & listening_tcp_inodes()
    status = subprocess.run([sys.executable, "-m", "bridge.cli", "agent", "status"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert status.returncode == 0 and "agent:      running" in status.stdout and "signed out" in status.stdout
    assert host.close() == 0
    stop_daemon(home)
    status = subprocess.run([sys.executable, "-m", "bridge.cli", "agent", "status"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert status.returncode == 0 and "not running" in status.stdout and "outbox:     0" in status.stdout


def test_without_a_usable_keyring_the_host_answers_why_and_stops_on_sigterm(env: dict[str, str]) -> None:
    broken = {**env, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    host = HostProcess(broken)
    answer = host.request("hello")
    assert answer["ok"] is False and answer["error"]["code"] == "agent_unavailable"
    assert "agent.log" in answer["error"]["message"]
    log = (Path(env["TASKCLOCK_HOME"]) / "agent.log").read_text()
    assert "gnome-keyring" in log and "Traceback" not in log
    host.process.send_signal(signal.SIGTERM)
    assert host.process.wait(10) == 1
