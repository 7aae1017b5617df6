"""Drive ``taskclock agent native-host`` the way a browser does: a subprocess on pipes."""

from __future__ import annotations

import contextlib
import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from agent.framing import FrameDecoder, encode_frame

CHROMIUM_CALLER = "chrome-extension://kgeblhliigajgajoelendidflbdhijji/"


class HostProcess:
    """One native-host process; ``request`` sends a frame and returns the matching answer."""

    def __init__(self, env: dict[str, str], caller: list[str] | None = None) -> None:
        args = [sys.executable, "-m", "bridge.cli", "agent", "native-host", *(caller or [CHROMIUM_CALLER])]
        self.process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, env=env)
        self.decoder = FrameDecoder()
        self.backlog: list[Any] = []
        self._counter = 0

    def send_raw(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def send(self, message: Any) -> None:
        self.send_raw(encode_frame(message))

    def read(self, timeout: float = 15.0) -> Any:
        """The next message from the host (pushes included)."""
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while not self.backlog:
            if time.monotonic() > deadline:
                raise TimeoutError("no message from the native host")
            header = self.process.stdout.read(4)
            if len(header) < 4:
                raise EOFError("native host closed stdout")
            (length,) = struct.unpack("=I", header)
            assert length <= 1024 * 1024, "host sent a frame over 1 MiB"
            self.backlog.extend(self.decoder.feed(header + self.process.stdout.read(length)))
        return self.backlog.pop(0)

    def request(self, op: str, args: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        self._counter += 1
        request_id = f"r{self._counter}"
        self.send({"id": request_id, "op": op, "args": args or {}, **extra})
        while True:
            message = self.read()
            if isinstance(message, dict) and message.get("id") == request_id:
                return message

    def close(self, timeout: float = 10.0) -> int:
        """Close stdin (the browser let go) and wait for the exit status."""
        with contextlib.suppress(BrokenPipeError):
            assert self.process.stdin is not None
            self.process.stdin.close()
        return self.process.wait(timeout)

    def stderr(self) -> str:
        assert self.process.stderr is not None
        return self.process.stderr.read().decode("utf-8", "replace")


def daemon_pid(home: Path) -> int | None:
    try:
        return int((home / "agent.pid").read_text())
    except (FileNotFoundError, ValueError):
        return None


def stop_daemon(home: Path, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
    """Stop the daemon a host started for ``home`` (by its recorded pid) and wait for it."""
    pid = daemon_pid(home)
    if pid is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)
    raise TimeoutError(f"daemon {pid} did not stop")
