"""The local agent under test: ``taskclock agent login`` and ``run`` in subprocesses.

The agent keeps its login in a keyring; here that is the agent tests' file-backed test
keyring (tests/agent/taskclock_test_keyring.py), so the login command, the daemon and
the native host a browser starts all see the same entry and the machine's real keyring
is never touched. HOME and XDG folders are temporary too.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from tests.harness.processes import stop_process

from .relay import TASKCLOCK, Account

REPO = Path(__file__).resolve().parents[2]
TEST_KEYRING_DIR = REPO / "tests" / "agent"


class Agent:
    """One person's agent. :meth:`login`, :meth:`start`; :meth:`install` per browser."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "taskclock-home"
        self.user_home = root / "home"
        self.log = root / "agent.log"
        self.process: subprocess.Popen[bytes] | None = None
        for folder in (self.home, self.user_home, root / "run"):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)

    @property
    def env(self) -> dict[str, str]:
        """The environment of every agent process, and of the browsers that start hosts."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "DBUS_"))}
        env.update(
            TASKCLOCK_HOME=str(self.home),
            HOME=str(self.user_home),
            XDG_RUNTIME_DIR=str(self.root / "run"),
            PYTHON_KEYRING_BACKEND="taskclock_test_keyring.FileKeyring",
            TASKCLOCK_TEST_KEYRING_FILE=str(self.root / "keyring.json"),
            PYTHONPATH=os.pathsep.join([str(TEST_KEYRING_DIR), str(REPO)]),
            # Reconnect within a second of the relay coming back (outage test).
            TASKCLOCK_AGENT_MAX_BACKOFF="1",
        )
        return env

    @property
    def browser_env(self) -> dict[str, str]:
        """What a browser must pass on to the native host (the browser sets its own HOME)."""
        keep = ("TASKCLOCK_HOME", "PYTHON_KEYRING_BACKEND", "TASKCLOCK_TEST_KEYRING_FILE",
                "PYTHONPATH")
        return {k: self.env[k] for k in keep}

    def cli(self, *args: str, stdin: str | None = None) -> str:
        """Run one ``taskclock agent`` command; return its stdout or raise with stderr."""
        result = subprocess.run(
            [TASKCLOCK, "agent", *args], env=self.env, input=stdin,
            capture_output=True, text=True, timeout=60,
        )
        if result.returncode != 0:
            raise RuntimeError(f"taskclock agent {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def login(self, relay_url: str, account: Account) -> None:
        """``taskclock agent login`` with the account's password."""
        self.cli(
            "login", "--relay", relay_url, "--tenant", account.tenant,
            "--username", account.username, "--password-stdin", stdin=account.password,
        )

    def install(self, browser: str, manifest_dir: Path) -> None:
        """``taskclock agent install --browser B --manifest-dir DIR`` (a test profile's)."""
        self.cli("install", "--browser", browser, "--manifest-dir", str(manifest_dir))

    def start(self, timeout: float = 20) -> Agent:
        """Run ``taskclock agent run`` and wait until ``agent status`` says it is connected."""
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [TASKCLOCK, "agent", "run"], env=self.env,
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"agent exited at start:\n{self.log.read_text()[-3000:]}")
            if list(self.home.glob("*.sock")) or list((self.root / "run").glob("*.sock")):
                return self
            time.sleep(0.1)
        raise RuntimeError(f"agent socket not there after {timeout}s:\n{self.log.read_text()}")

    def stop(self) -> None:
        """Terminate the daemon (SIGTERM, then SIGKILL after 10 s)."""
        if self.process is None:
            return
        stop_process(self.process)
        self.process = None
