"""Native-messaging frames, without I/O: a 4-byte native-order length, then UTF-8 JSON.

Call ``encode_frame`` before writing a message; feed whatever bytes arrive into a
``FrameDecoder`` and take the messages (or ``FrameProblem``s) it returns. The same
framing, with a larger limit, carries messages between the native host and the daemon.
A decoder never raises on bad input: a broken frame becomes a ``FrameProblem`` that the
caller answers with an error message, and reading goes on with the next frame.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

from agent.errors import FrameTooLarge

#: Chromium and Firefox refuse host-to-browser messages over 1 MiB; we use the same
#: bound for what we accept, since no taskclock command comes near it.
BROWSER_FRAME_LIMIT = 1024 * 1024
#: Between host and daemon (timesheets of a busy month can be larger than 1 MiB; the
#: host then answers the browser with an error instead of a frame it would drop).
DAEMON_FRAME_LIMIT = 16 * 1024 * 1024

HEADER = struct.Struct("=I")


@dataclass(frozen=True)
class FrameProblem:
    """A frame that could not be turned into a message; ``code`` as in error bodies."""

    code: str
    message: str

    def as_error(self, request_id: Any = None) -> dict[str, Any]:
        """The error response to send back for this problem."""
        return {"id": request_id, "ok": False, "error": {"code": self.code, "message": self.message}}


def encode_frame(message: Any, *, limit: int = BROWSER_FRAME_LIMIT) -> bytes:
    """Serialise ``message``; raise ``FrameTooLarge`` when the JSON exceeds ``limit``."""
    payload = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(payload) > limit:
        raise FrameTooLarge(f"message of {len(payload)} bytes exceeds the {limit}-byte limit")
    return HEADER.pack(len(payload)) + payload


class FrameDecoder:
    """Turns a byte stream into messages; keeps partial frames between ``feed`` calls."""

    def __init__(self, *, limit: int = BROWSER_FRAME_LIMIT) -> None:
        self._limit = limit
        self._buffer = bytearray()
        #: Bytes still to throw away from an oversized frame.
        self._skipping = 0

    def feed(self, data: bytes) -> list[Any | FrameProblem]:
        """Add received bytes; return every message (or problem) now complete."""
        self._buffer += data
        out: list[Any | FrameProblem] = []
        while True:
            if self._skipping:
                dropped = min(self._skipping, len(self._buffer))
                del self._buffer[:dropped]
                self._skipping -= dropped
                if self._skipping:
                    return out
            if len(self._buffer) < HEADER.size:
                return out
            (length,) = HEADER.unpack_from(self._buffer)
            if length > self._limit:
                del self._buffer[: HEADER.size]
                self._skipping = length
                out.append(FrameProblem("frame_too_large", f"frame of {length} bytes exceeds {self._limit}"))
                continue
            if len(self._buffer) < HEADER.size + length:
                return out
            payload = bytes(self._buffer[HEADER.size : HEADER.size + length])
            del self._buffer[: HEADER.size + length]
            out.append(decode_payload(payload))

    def eof(self) -> FrameProblem | None:
        """Call at end of input: a problem if the stream stopped inside a frame."""
        if self._buffer or self._skipping:
            pending = len(self._buffer)
            self._buffer.clear()
            self._skipping = 0
            return FrameProblem("truncated_frame", f"input ended inside a frame ({pending} bytes pending)")
        return None


def decode_payload(payload: bytes) -> Any | FrameProblem:
    """One frame's body as JSON, or the problem that prevents it."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        return FrameProblem("bad_frame", f"frame is not UTF-8: {exc.reason} at byte {exc.start}")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        return FrameProblem("bad_frame", f"frame is not JSON: {str(exc)[:200]}")
