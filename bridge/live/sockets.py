"""One live socket's bounded send queue, its direct-write fast path and its sender loop.

The hub calls ``push`` (never blocks, never awaits) for every event the socket should
get. When nothing is queued and the connection is not congested, the frame is written
to the transport at once (``write_now``, set by the handler): no task wakes up, which
is what keeps fanning one event out to 10,000 sockets cheap. Otherwise the frame is
queued and the socket's single sender task (``run``) writes the queue in order,
waiting for the transport to drain. While the socket is still catching up, pushes go
to a backlog that ``go_live`` merges after the replayed events. A socket whose queue or
backlog passes ``limit`` is marked ``overflowed`` and ``on_overflow`` fires once: the
handler drops the client, which resynchronises by reconnecting with ``since``. One
slow reader never delays another.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

#: Writes one frame now and returns True, or returns False when it cannot (congested).
WriteNow = Callable[[bytes], bool]


@dataclass(frozen=True, slots=True)
class Close:
    """Queue item: close the socket after everything queued before it was sent."""

    code: int
    reason: str


class LiveSocket:
    """A subscriber of the hub: whose socket it is, what it watches, what it owes."""

    __slots__ = (
        "user_id", "watches_activity", "tenant_id", "overflowed",
        "_limit", "_queue", "_backlog", "_wake", "_on_overflow", "_write_now", "_sending",
    )

    def __init__(self, tenant_id: int, user_id: int, watches_activity: bool, limit: int) -> None:
        self.tenant_id = tenant_id
        self.user_id = user_id
        self.watches_activity = watches_activity
        self.overflowed = False
        self._limit = max(1, limit)
        self._queue: deque[bytes | Close] = deque()
        self._backlog: list[tuple[int, bytes]] | None = []
        self._wake = asyncio.Event()
        self._on_overflow: Callable[[], None] | None = None
        self._write_now: WriteNow | None = None
        self._sending = False

    def __repr__(self) -> str:
        return f"LiveSocket(tenant={self.tenant_id}, user={self.user_id}, activity={self.watches_activity})"

    def on_overflow(self, callback: Callable[[], None]) -> None:
        """Register what to do (once) when the client falls too far behind."""
        self._on_overflow = callback

    def write_directly(self, write_now: WriteNow | None) -> None:
        """Enable (or, with None, disable) the direct-write fast path."""
        self._write_now = write_now

    def push(self, seq: int, frame: bytes) -> None:
        """Send or queue one event frame; called by the hub for every recipient."""
        if self.overflowed:
            return
        if self._backlog is not None:
            self._backlog.append((seq, frame))
            if len(self._backlog) > self._limit:
                self._overflow()
            return
        if not self._queue and not self._sending and self._write_now is not None and self._write_now(frame):
            return
        self._queue.append(frame)
        if len(self._queue) > self._limit:
            self._overflow()
            return
        self._wake.set()

    def send(self, item: bytes | Close) -> None:
        """Queue a control frame (pong, error) or a close, behind the queued events."""
        self._queue.append(item)
        self._wake.set()

    def go_live(self, replayed_upto: int) -> None:
        """End catch-up: send the backlog's events newer than what was replayed."""
        backlog, self._backlog = self._backlog or [], None
        for seq, frame in backlog:
            if seq > replayed_upto:
                self.push(seq, frame)

    @property
    def queued(self) -> int:
        return len(self._queue) + len(self._backlog or ())

    def _overflow(self) -> None:
        self.overflowed = True
        self._queue.clear()
        self._backlog = None
        if self._on_overflow is not None:
            self._on_overflow()

    async def run(self, send: Callable[[bytes], Awaitable[None]], close: Callable[[Close], Awaitable[None]]) -> None:
        """The sender loop: write queued frames in order until a ``Close`` or overflow."""
        while not self.overflowed:
            await self._wake.wait()
            self._wake.clear()
            while self._queue and not self.overflowed:
                item = self._queue.popleft()
                if isinstance(item, Close):
                    await close(item)
                    return
                self._sending = True  # no direct writes may overtake this frame
                try:
                    await send(item)
                finally:
                    self._sending = False
