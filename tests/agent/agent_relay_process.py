"""A real relay in a subprocess (``taskclock relay serve``), stoppable and restartable on
the same port and database, plus a small synchronous REST client to inspect it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.harness.processes import stop_process


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RelayProcess:
    """``taskclock relay serve`` with its own TASKCLOCK_HOME."""

    def __init__(self, home: Path, env: dict[str, str]) -> None:
        self.home = home
        self.port = free_port()
        self.env = {**env, "TASKCLOCK_HOME": str(home)}
        self.env.pop("TASKCLOCK_DATABASE", None)
        self.process: subprocess.Popen[bytes] | None = None
        self.log = home / "relay.log"
        home.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str, stdin: str = "") -> str:
        """Run ``taskclock relay ...`` against this relay's database; return stdout."""
        result = subprocess.run([sys.executable, "-m", "bridge.cli", "relay", *args], input=stdin, text=True,
                                capture_output=True, env=self.env, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"taskclock relay {' '.join(args)} failed: {result.stderr}")
        return result.stdout

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bridge.cli", "relay", "serve", "--port", str(self.port)],
                stdout=log, stderr=log, env=self.env,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"relay exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError("relay did not start")

    def stop(self, *, crash: bool = False) -> None:
        """SIGTERM (a clean shutdown) or, with ``crash``, SIGKILL (the host died)."""
        if self.process is not None and crash:
            self.process.kill()
            self.process.wait()
        elif self.process is not None:
            stop_process(self.process, grace=15)
        self.process = None

    def freeze(self) -> None:
        """SIGSTOP: requests reach the socket but get no answer."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)


class RelayReader:
    """Signs in with an API token and reads the relay's state, synchronously."""

    def __init__(self, relay: RelayProcess, tenant: str, api_token: str) -> None:
        self.base = f"{relay.url}/api/v1/{tenant}"
        self.token = self._post("/auth/token-login", {"api_token": api_token})["access_token"]

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(self.base + path, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    def get(self, path: str) -> dict[str, Any]:
        request = urllib.request.Request(self.base + path, headers={"Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())
