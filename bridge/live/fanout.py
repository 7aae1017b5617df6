"""How committed events travel from the relay that committed them to every relay's hub.

``FanOut`` is the interface; ``InProcess`` serves one relay process (the default);
``bridge.live.redis_fanout.RedisFanOut`` carries events between relay processes over
Redis pub/sub. ``make_fanout(redis_url)`` picks one; the hub calls ``start`` once,
``publish`` after every commit and ``close`` at shutdown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from bridge.live.core import Envelope

#: Hand events to the local hub (synchronous: routing only queues frames).
Deliver = Callable[[list[Envelope]], None]
#: Called after the fan-out lost its connection and got it back: events may be missing.
Resync = Callable[[], None]


class FanOut(Protocol):
    async def start(self, deliver: Deliver, resync: Resync) -> None:
        """Begin receiving; returns once events published from now on will arrive."""

    async def publish(self, envelopes: list[Envelope]) -> None:
        """Send committed events to every relay's hub, this one's included."""

    async def close(self) -> None:
        """Stop receiving and release connections."""


class InProcess:
    """One relay process: publishing is delivering."""

    def __init__(self) -> None:
        self._deliver: Deliver | None = None

    async def start(self, deliver: Deliver, resync: Resync) -> None:
        self._deliver = deliver

    async def publish(self, envelopes: list[Envelope]) -> None:
        if self._deliver is not None:
            self._deliver(envelopes)

    async def close(self) -> None:
        self._deliver = None


def make_fanout(redis_url: str | None) -> FanOut:
    """Redis pub/sub when a URL is given, else in-process."""
    if redis_url:
        from bridge.live.redis_fanout import RedisFanOut  # only when asked: redis is optional at run time

        return RedisFanOut(redis_url)
    return InProcess()
