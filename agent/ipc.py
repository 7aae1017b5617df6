"""The daemon's socket: a Unix socket only this OS user can open, never a TCP port.

Call ``listen`` once in the daemon, ``connect`` in a native host or in ``agent status``;
exchange messages with ``read_message``/``write_message`` (the native-messaging framing
with a larger limit). A web page cannot reach a Unix socket, which is the point (see
the localhost-server holes of Zoom 2019 and Logitech Options 2018).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import struct
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Any

from agent.errors import AgentError, AgentNotRunning
from agent.framing import (
    DAEMON_FRAME_LIMIT,
    HEADER,
    FrameProblem,
    decode_payload,
    encode_frame,
)

ClientHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def private_dir(path: Path) -> None:
    """Create ``path`` (and parents) readable by this user only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)


def take_instance_lock(home: Path) -> IO[bytes] | None:
    """Lock ``agent.lock`` so only one daemon runs per home; ``None`` if another holds it.

    Keep the returned file open for the daemon's lifetime; the OS drops the lock when
    the process dies, even by SIGKILL.
    """
    private_dir(home)
    handle = open(home / "agent.lock", "a+b")  # noqa: SIM115 - held for the process lifetime
    try:
        if os.name == "nt":  # pragma: no cover - untested here
            import msvcrt

            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


async def listen(path: Path, handler: ClientHandler) -> asyncio.AbstractServer:
    """Serve ``handler`` on a fresh socket at ``path`` with mode 0600."""
    private_dir(path.parent)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()  # stale: the instance lock says no daemon owns it
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)  # the socket is born 0600: no window where others may connect
    try:
        sock.bind(os.fspath(path))
    finally:
        os.umask(old_umask)
    path.chmod(0o600)
    return await asyncio.start_unix_server(handler, sock=sock, limit=DAEMON_FRAME_LIMIT)


async def connect(path: Path) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Open the daemon's socket; raise ``AgentNotRunning`` when nobody listens."""
    try:
        return await asyncio.open_unix_connection(os.fspath(path), limit=DAEMON_FRAME_LIMIT)
    except (FileNotFoundError, ConnectionRefusedError) as exc:
        raise AgentNotRunning(f"the agent is not running (no socket at {path})") from exc


async def read_message(reader: asyncio.StreamReader) -> Any | FrameProblem | None:
    """The next message; ``None`` at end of input; a ``FrameProblem`` for a broken frame."""
    try:
        header = await reader.readexactly(HEADER.size)
    except asyncio.IncompleteReadError:
        return None
    (length,) = HEADER.unpack(header)
    if length > DAEMON_FRAME_LIMIT:
        raise AgentError(f"peer sent a {length}-byte frame; closing", code="frame_too_large")
    try:
        payload = await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        return None
    return decode_payload(payload)


def peer_is_this_user(writer: asyncio.StreamWriter) -> bool:
    """Whether the process at the other end runs as this OS user (Linux SO_PEERCRED).

    The socket's mode already keeps others out; this holds even if someone loosened it.
    Where the kernel cannot say (macOS, BSD), the file mode is the guard.
    """
    sock = writer.get_extra_info("socket")
    if sock is None or not hasattr(socket, "SO_PEERCRED"):
        return True
    credentials = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", credentials)
    return uid == os.getuid()


def write_message(writer: asyncio.StreamWriter, message: Any) -> None:
    """Queue ``message`` on ``writer`` (call ``drain`` when back-pressure matters)."""
    writer.write(encode_frame(message, limit=DAEMON_FRAME_LIMIT))
