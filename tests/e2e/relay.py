"""The relay under test: ``taskclock relay serve`` in a subprocess, and a small REST client.

Started once per test module on a free port with its own TASKCLOCK_HOME, so its SQLite
file is the test's alone. Tests assert against the relay through its public API
(CONTRACT.md), the same way a user's other devices would see the changes.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.harness.processes import stop_process

TASKCLOCK = str(Path(sys.executable).parent / "taskclock")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RelayError(AssertionError):
    """The relay answered with an error status; carries the status and the JSON error."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"relay answered {status}: {body}")
        self.status = status
        self.body = body


@dataclass
class Account:
    """A user the relay knows, with the password they sign in with."""

    tenant: str
    username: str
    password: str


class Relay:
    """A relay process. :meth:`start` once; :meth:`stop` at the end of the module."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = home / "relay.log"
        self.process: subprocess.Popen[bytes] | None = None
        # Signing in costs an Argon2id hash and counts against the rate limit: reuse.
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}

    @property
    def env(self) -> dict[str, str]:
        """The environment every ``taskclock relay`` command of this relay needs."""
        env = dict(os.environ)
        env["TASKCLOCK_HOME"] = str(self.home)
        env["HOME"] = str(self.home)  # nothing of a test lands in the real home
        for name in ("TASKCLOCK_DATABASE", "TASKCLOCK_REDIS"):
            env.pop(name, None)
        return env

    def start(self, timeout: float = 30) -> Relay:
        """Run ``taskclock relay serve`` and wait until ``/healthz`` answers."""
        self.home.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [TASKCLOCK, "relay", "serve", "--port", str(self.port)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"relay exited at start:\n{self.log.read_text()[-3000:]}")
            try:
                if self.request("GET", "/healthz").get("ok"):
                    return self
            except (OSError, RelayError):
                time.sleep(0.1)
        raise RuntimeError(f"relay not healthy after {timeout}s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        """Terminate the relay (SIGTERM, then SIGKILL after 10 s)."""
        if self.process is None:
            return
        stop_process(self.process)
        self.process = None

    def cli(self, *args: str, stdin: str | None = None) -> str:
        """Run one ``taskclock relay`` command against this relay's data; return stdout."""
        result = subprocess.run(
            [TASKCLOCK, "relay", *args], env=self.env, input=stdin,
            capture_output=True, text=True, timeout=60,
        )
        if result.returncode != 0:
            raise RuntimeError(f"taskclock relay {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def create_tenant(self, slug: str, owner: str, password: str) -> Account:
        """A company and its owner, through ``taskclock relay tenant create``."""
        self.cli("tenant", "create", slug, "--owner", owner, "--password-stdin", stdin=password)
        return Account(slug, owner, password)

    def add_user(self, tenant: str, username: str, role: str, password: str) -> Account:
        """Another user of a company, through ``taskclock relay user add``."""
        self.cli(
            "user", "add", "--tenant", tenant, username, "--role", role, "--password-stdin",
            stdin=password,
        )
        return Account(tenant, username, password)

    def issue_token(self, account: Account) -> str:
        """A fresh API token for *account* (``taskclock relay token issue``)."""
        return self.cli("token", "issue", "--tenant", account.tenant, account.username).strip()

    def request(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> Any:
        """One JSON call; raises :class:`RelayError` for an error status."""
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if method != "GET":
            headers["Idempotency-Key"] = str(uuid.uuid4())
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                raw = answer.read()
        except urllib.error.HTTPError as error:
            raw = error.read()
            raise RelayError(error.code, json.loads(raw) if raw else None) from None
        return json.loads(raw) if raw else None

    def token(self, account: Account) -> str:
        """A cached access token for *account*, renewed a minute before it expires."""
        key = (account.tenant, account.username)
        cached = self._tokens.get(key)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        answer = self.request(
            "POST", f"/api/v1/{account.tenant}/auth/login",
            {"username": account.username, "password": account.password},
        )
        expires = time.monotonic() + max(answer.get("expires_in", 120) - 60, 30)
        self._tokens[key] = (answer["access_token"], expires)
        return answer["access_token"]

    def api(self, account: Account, method: str, path: str, body: Any = None) -> Any:
        """A call to ``/api/v1/{tenant}{path}`` as *account* (signs in again after a 401,
        as a token may not outlive a relay restart)."""
        path = f"/api/v1/{account.tenant}{path}"
        try:
            return self.request(method, path, body, self.token(account))
        except RelayError as error:
            if error.status != 401:
                raise
            self._tokens.pop((account.tenant, account.username), None)
            return self.request(method, path, body, self.token(account))
