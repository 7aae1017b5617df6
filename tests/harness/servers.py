"""Real PostgreSQL and Redis servers for tests, from the Debian packages, on 127.0.0.1.

``Postgres.start()`` runs ``initdb`` and ``pg_ctl start`` in a fresh temporary
directory (as the ``postgres`` user when the tests run as root: PostgreSQL refuses to
run as root) and ``new_database()`` hands each test an empty database.
``Redis.start()`` runs ``redis-server`` without persistence. Both listen on 127.0.0.1
only, on a free port, and ``stop()`` removes every file they wrote. A missing binary
raises ``MissingServer`` with how to get it; the fixtures turn that into a failure.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from tests.harness.processes import stop_process

HOW_TO_GET = "install it with `apt-get install postgresql redis-server` (as root), or run `make test`, which does"
START_TIMEOUT_SECONDS = 60


class MissingServer(RuntimeError):
    """A server binary the suite needs is not installed."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen[bytes] | None, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{what} did not listen on 127.0.0.1:{port} within {timeout}s")


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's ``bin`` directory."""
    found = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin") if (Path(p) / "initdb").exists()]
    if not found:
        found = [Path(shutil.which("initdb")).parent] if shutil.which("initdb") else []
    if not found:
        raise MissingServer(f"PostgreSQL server binaries (initdb, pg_ctl) not found: {HOW_TO_GET}")
    return max(found, key=lambda p: [int(x) for x in p.parent.name.split(".") if x.isdigit()] or [0])


class Postgres:
    """A throw-away PostgreSQL cluster; see the module docstring."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="taskclock-pg-"))
        self._run_as: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres") if _has_user("postgres") else pwd.getpwnam("nobody")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._run_as = ["runuser", "-u", user.pw_name, "--"] if shutil.which("runuser") else [
                "setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", "--"
            ]

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout: float = START_TIMEOUT_SECONDS) -> None:
        done = subprocess.run([*self._run_as, *args], capture_output=True, text=True, timeout=timeout, cwd=self.root)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed ({done.returncode}): {done.stderr or done.stdout}")

    def start(self, attempts: int = 3) -> Postgres:
        """initdb, then start; another free port if the chosen one was taken meanwhile."""
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions")
        for attempt in range(attempts):
            try:
                self._start_server()
                return self
            except RuntimeError:
                if attempt == attempts - 1:
                    raise
                self.port = free_port()
        return self

    def _start_server(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200 -c shared_buffers=32MB"
        )
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options, "-w", "-t", "60", "start")
        wait_for_port(self.port, None, START_TIMEOUT_SECONDS, "postgres")

    def new_database(self) -> str:
        """A fresh empty database; returns its URL."""
        name = "t_" + uuid.uuid4().hex[:12]
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url(name)

    def log_text(self) -> str:
        path = self.root / "server.log"
        return path.read_text()[-4000:] if path.exists() else ""

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run([*self._run_as, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                           capture_output=True, timeout=60, cwd=self.root)
        shutil.rmtree(self.root, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


class Redis:
    """A throw-away redis-server without persistence."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise MissingServer(f"redis-server not found: {HOW_TO_GET}")
        self.binary = binary
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="taskclock-redis-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> Redis:
        """Start (or restart, on the same port) the server; a first start retries once
        on another port if the chosen one was taken meanwhile."""
        first = self.process is None
        try:
            return self._start_server()
        except RuntimeError:
            if not first:
                raise
            self.port = free_port()
            return self._start_server()

    def _start_server(self) -> Redis:
        self.root.mkdir(parents=True, exist_ok=True)
        log = open(self.root / "redis.log", "ab")
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.root), "--daemonize", "no", "--protected-mode", "yes"],
            stdout=log, stderr=subprocess.STDOUT, cwd=self.root,
        )
        wait_for_port(self.port, self.process, START_TIMEOUT_SECONDS, "redis-server")
        return self

    def kill(self) -> None:
        """Stop the server process but keep its directory (``start`` brings it back)."""
        if self.process is not None:
            stop_process(self.process)

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.root, ignore_errors=True)
