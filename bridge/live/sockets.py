"""One live socket's bounded send queue, its direct-write fast path and its sender.

The hub calls ``push`` (never blocks, never awaits) for every event the socket should
get. When nothing is queued and the connection is not congested, the frame is written
to the transport at once (``write_now``): no task wakes up, which is what keeps fanning
one event out to 10,000 sockets cheap. Otherwise the frame is queued and a sender task,
started only while there is a queue, writes it in order and waits for the transport to
drain; an idle socket holds no task at all (less memory, less for the garbage collector
to walk). While the socket is still catching up, pushes go to a backlog that
``go_live`` merges after the replayed events; from then on an event the catch-up
already sent is dropped if the hub routes it late (it read the log before this relay's
hub saw the event: a commit not yet announced, or one still on its way through Redis),
so each client gets each event once and in order. A socket whose queue or backlog passes
``limit`` is marked ``overflowed`` and ``on_overflow`` fires once: the handler drops
the client, which resynchronises by reconnecting with ``since``. One slow reader never
delays another.

Call ``attach`` once the socket's catch-up was sent, ``detach`` when it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
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


@dataclass(frozen=True, slots=True)
class Wire:
    """How a socket reaches its client (set by the websocket handler)."""

    send: Callable[[bytes], Awaitable[None]]
    close: Callable[[Close], Awaitable[None]]
    write_now: WriteNow | None = None


class LiveSocket:
    """A subscriber of the hub: whose socket it is, what it watches, what it owes."""

    __slots__ = (
        "user_id", "watches_activity", "tenant_id", "overflowed",
        "_limit", "_queue", "_backlog", "_on_overflow", "_wire", "_sender", "_closed", "_sent_upto",
    )

    def __init__(self, tenant_id: int, user_id: int, watches_activity: bool, limit: int) -> None:
        self.tenant_id = tenant_id
        self.user_id = user_id
        self.watches_activity = watches_activity
        self.overflowed = False
        self._limit = max(1, limit)
        self._queue: deque[bytes | Close] = deque()
        self._backlog: list[tuple[int, bytes]] | None = []
        self._on_overflow: Callable[[], None] | None = None
        self._wire: Wire | None = None
        self._sender: asyncio.Task[None] | None = None
        self._closed = False
        #: The highest event ``seq`` the client got or will get (catch-up included).
        self._sent_upto = 0

    def __repr__(self) -> str:
        return f"LiveSocket(tenant={self.tenant_id}, user={self.user_id}, activity={self.watches_activity})"

    def on_overflow(self, callback: Callable[[], None]) -> None:
        """Register what to do (once) when the client falls too far behind."""
        self._on_overflow = callback

    def attach(self, wire: Wire) -> None:
        """Connect the socket to its client; anything already queued starts flowing."""
        self._wire = wire
        self._kick()

    async def detach(self) -> None:
        """The socket ended: stop sending (cancels a running sender)."""
        self._closed = True
        sender, self._sender = self._sender, None
        if sender is not None and sender is not asyncio.current_task():
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError, RuntimeError):
                await sender

    def push(self, seq: int, frame: bytes) -> None:
        """Send or queue one event frame; called by the hub for every recipient."""
        if self.overflowed or self._closed:
            return
        if self._backlog is not None:
            self._backlog.append((seq, frame))
            if len(self._backlog) > self._limit:
                self._overflow()
            return
        if seq <= self._sent_upto:
            return  # replayed by the catch-up already
        self._sent_upto = seq
        if self._write_directly(frame):
            return
        self._queue.append(frame)
        if len(self._queue) > self._limit:
            self._overflow()
            return
        self._kick()

    def send(self, item: bytes | Close) -> None:
        """Send a control frame (pong, error) or a close, behind any queued events."""
        if self.overflowed or self._closed:
            return
        if isinstance(item, bytes) and self._write_directly(item):
            return
        self._queue.append(item)
        self._kick()

    def go_live(self, replayed_upto: int) -> None:
        """End catch-up: send the backlog's events newer than what was replayed."""
        backlog, self._backlog = self._backlog or [], None
        self._sent_upto = max(self._sent_upto, replayed_upto)
        for seq, frame in backlog:
            if seq > replayed_upto:
                self.push(seq, frame)

    @property
    def queued(self) -> int:
        return len(self._queue) + len(self._backlog or ())

    @property
    def sending(self) -> bool:
        """Whether a sender task is running (only while frames wait)."""
        return self._sender is not None

    def _write_directly(self, frame: bytes) -> bool:
        # Only with nothing queued and no sender mid-frame: a direct write must never
        # overtake a frame that is waiting.
        wire = self._wire
        if self._queue or self._sender is not None or wire is None or wire.write_now is None:
            return False
        return wire.write_now(frame)

    def _kick(self) -> None:
        if self._sender is None and self._queue and self._wire is not None and not self._closed:
            self._sender = asyncio.ensure_future(self._run(self._wire))

    def _overflow(self) -> None:
        self.overflowed = True
        self._queue.clear()
        self._backlog = None
        if self._on_overflow is not None:
            self._on_overflow()

    async def _run(self, wire: Wire) -> None:
        """Write the queue in order, then end; a ``Close`` ends the socket."""
        try:
            while self._queue and not self.overflowed:
                item = self._queue[0]
                if isinstance(item, Close):
                    self._queue.clear()
                    self._closed = True
                    await wire.close(item)
                    return
                await wire.send(item)
                self._queue.popleft()
        except (ConnectionError, RuntimeError):
            self._closed = True  # the client went away; the handler's reader notices too
        finally:
            if self._sender is asyncio.current_task():
                self._sender = None
