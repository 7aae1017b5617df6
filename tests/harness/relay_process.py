"""A real ``taskclock relay serve`` subprocess, and the CLI run as users run it.

Use ``RelayProcess(home).start()`` in a fixture; ``stop()`` sends SIGTERM, ``kill()``
SIGKILL. ``taskclock(*args, stdin=…)`` runs the console script with the same home.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.harness.processes import stop_process

TASKCLOCK = str(Path(sys.executable).with_name("taskclock"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKCLOCK_")}
    env.update(TASKCLOCK_HOME=str(home), HOME=str(home), PYTHONUNBUFFERED="1", **extra)
    return env


def taskclock(home: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the console script; returns the completed process (never raises on status)."""
    return subprocess.run(
        [TASKCLOCK, *args], input=stdin, capture_output=True, text=True, timeout=60, env=env or environment(home)
    )


class RelayProcess:
    """One relay process listening on 127.0.0.1."""

    def __init__(self, home: Path, port: int | None = None, extra_args: tuple[str, ...] = (), env: dict[str, str] | None = None) -> None:
        self.home = home
        self.port = port or free_port()
        self.extra_args = extra_args
        self.env = env or environment(home)
        self.process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> RelayProcess:
        log = open(self.home / f"relay-{self.port}.log", "a")
        self.process = subprocess.Popen(
            [TASKCLOCK, "relay", "serve", "--port", str(self.port), *self.extra_args],
            stdout=log, stderr=subprocess.STDOUT, text=True, env=self.env,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"relay exited with {self.process.returncode}: {self.log_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"relay did not listen within {timeout}s: {self.log_text()}")

    def log_text(self) -> str:
        return (self.home / f"relay-{self.port}.log").read_text()[-4000:]

    def stop(self) -> None:
        if self.process:
            stop_process(self.process)

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flushing: what a crash looks like."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
