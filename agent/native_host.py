"""``taskclock agent native-host``: the stdio bridge a browser starts.

Call ``main(config, caller)`` from the CLI with what the browser passed: Chromium gives
the extension's origin (``chrome-extension://ID/``, plus ``--parent-window=N`` on
Windows), Firefox the manifest path and the add-on id. The host checks the caller,
connects to the daemon (starting it when none runs) and relays frames both ways: from
the browser through a ``FrameDecoder`` (a broken frame gets an error answer, never a
crash), to the browser only under 1 MiB. It exits on end of input or SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any, BinaryIO

from agent.config import FIREFOX_ADDON_ID, AgentConfig, chromium_origins
from agent.errors import AgentNotRunning, FrameTooLarge
from agent.framing import BROWSER_FRAME_LIMIT, FrameDecoder, FrameProblem, encode_frame
from agent.ipc import connect, read_message, write_message

#: How long to wait for a daemon we started to open its socket.
DAEMON_START_WAIT = 10.0
#: How long to keep waiting after the daemon we started has exited.
EXITED_GRACE = 2.0


def caller_problem(caller: Sequence[str]) -> str | None:
    """Why this caller may not use the host, or ``None`` when it may."""
    args = [arg for arg in caller if not arg.startswith("--parent-window=")]
    if len(args) == 1 and args[0] in chromium_origins():
        return None
    if len(args) == 2 and args[1] == FIREFOX_ADDON_ID:
        return None
    if not args:
        return "the native host must be started by a browser (no caller was given)"
    return f"caller {' '.join(args)!r} is not a taskclock extension"


class BrowserSide:
    """Writes frames to the browser; one writer at a time, whole frames only."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, message: Any) -> None:
        """Send ``message``; an answer too big for the browser becomes an error answer."""
        try:
            frame = encode_frame(message, limit=BROWSER_FRAME_LIMIT)
        except FrameTooLarge as exc:
            if not isinstance(message, dict) or "id" not in message:
                return  # a push the browser cannot take; it re-reads state on the next one
            frame = encode_frame({"id": message["id"], "ok": False,
                                  "error": {"code": "response_too_large", "message": exc.message}})
        with self._lock:
            self._stream.write(frame)
            self._stream.flush()

    def error(self, request_id: Any, code: str, message: str) -> None:
        self.send({"id": request_id, "ok": False, "error": {"code": code, "message": message}})


def main(config: AgentConfig, caller: Sequence[str]) -> int:
    """Run the host until the browser closes the port; returns the exit status."""
    browser = BrowserSide(sys.stdout.buffer)
    problem = caller_problem(caller)
    if problem is not None:
        browser.error(None, "forbidden", problem)
        print(f"taskclock native-host: {problem}", file=sys.stderr)
        return 1
    return asyncio.run(_relay_frames(config, browser))


def _start_stdin_reader(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[bytes | None]) -> None:
    """Read stdin in a thread (works for pipes, files and terminals alike)."""

    def pump() -> None:
        fd = sys.stdin.buffer.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            loop.call_soon_threadsafe(queue.put_nowait, chunk or None)
            if not chunk:
                return

    threading.Thread(target=pump, name="stdin", daemon=True).start()


async def _relay_frames(config: AgentConfig, browser: BrowserSide) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
    _start_stdin_reader(loop, chunks)
    try:
        reader, writer = await connect_or_start(config)
    except AgentNotRunning as exc:
        return await _degraded(browser, chunks, stop, exc.message)
    in_flight: set[Any] = set()
    from_browser = loop.create_task(_browser_to_daemon(browser, chunks, writer, in_flight))
    to_browser = loop.create_task(_daemon_to_browser(browser, reader, in_flight))
    stopper = loop.create_task(stop.wait())
    done, _ = await asyncio.wait({from_browser, to_browser, stopper}, return_when=asyncio.FIRST_COMPLETED)
    for task in (from_browser, to_browser, stopper):
        task.cancel()
    writer.close()
    if to_browser in done:
        # The daemon went away: answer what it left unanswered, let the browser reconnect.
        for request_id in in_flight:
            browser.error(request_id, "agent_unavailable", "the agent stopped; retry")
        return 1
    return 0


async def _browser_to_daemon(browser: BrowserSide, chunks: asyncio.Queue[bytes | None],
                             writer: asyncio.StreamWriter, in_flight: set[Any]) -> None:
    decoder = FrameDecoder(limit=BROWSER_FRAME_LIMIT)
    while (chunk := await chunks.get()) is not None:
        for message in decoder.feed(chunk):
            if isinstance(message, FrameProblem):
                browser.send(message.as_error())
            elif not isinstance(message, dict):
                browser.error(None, "bad_request", "a request must be a JSON object")
            else:
                in_flight.add(_hashable(message.get("id")))
                write_message(writer, message)
                await writer.drain()
    problem = decoder.eof()
    if problem is not None:
        browser.send(problem.as_error())


async def _daemon_to_browser(browser: BrowserSide, reader: asyncio.StreamReader, in_flight: set[Any]) -> None:
    while (message := await read_message(reader)) is not None:
        if isinstance(message, dict) and "id" in message:
            in_flight.discard(_hashable(message["id"]))
        browser.send(message.as_error() if isinstance(message, FrameProblem) else message)


async def _degraded(browser: BrowserSide, chunks: asyncio.Queue[bytes | None], stop: asyncio.Event, why: str) -> int:
    """No daemon: answer every request with the reason, until the browser lets go."""
    decoder = FrameDecoder(limit=BROWSER_FRAME_LIMIT)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        while True:
            next_chunk = asyncio.ensure_future(chunks.get())
            await asyncio.wait({next_chunk, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if stopped.done() or next_chunk.result() is None:
                next_chunk.cancel()
                return 1
            for message in decoder.feed(next_chunk.result()):
                request_id = message.get("id") if isinstance(message, dict) else None
                browser.error(request_id, "agent_unavailable", why)
    finally:
        stopped.cancel()


def _hashable(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, type(None))) else repr(value)


async def connect_or_start(config: AgentConfig) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect to the daemon, starting ``taskclock agent run`` in the background if needed."""
    with contextlib.suppress(AgentNotRunning):
        return await connect(config.socket_path)
    process = start_daemon(config)
    deadline = time.monotonic() + DAEMON_START_WAIT
    while time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        with contextlib.suppress(AgentNotRunning):
            return await connect(config.socket_path)
        if process.poll() is not None:
            # Ours gave up; if it lost the instance lock to a daemon another browser's
            # host started at the same moment, that one opens the socket very soon.
            deadline = min(deadline, time.monotonic() + EXITED_GRACE)
    raise AgentNotRunning(f"the agent could not be started; see {config.log_path}")


def start_daemon(config: AgentConfig) -> subprocess.Popen[bytes]:
    """Start the daemon detached from the browser (its own session, output to the log)."""
    config.home.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(config.log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bridge.cli", "agent", "run"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, close_fds=True,
        )
