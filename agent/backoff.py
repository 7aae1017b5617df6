"""Reconnection delays, without I/O: jittered exponential backoff.

Create one ``Backoff`` per connection; call ``next_delay()`` after each failure and
``reset()`` after a success. Jitter keeps a thousand agents that lost the same relay
from knocking on it in the same instant when it comes back.
"""

from __future__ import annotations

import random
from collections.abc import Callable


class Backoff:
    """Delays grow ``initial * factor**n`` up to ``maximum``; each drawn in [d/2, d]."""

    def __init__(
        self,
        *,
        initial: float = 0.25,
        factor: float = 2.0,
        maximum: float = 10.0,
        rng: Callable[[], float] = random.random,
    ) -> None:
        if initial <= 0 or factor < 1 or maximum < initial:
            raise ValueError("need 0 < initial <= maximum and factor >= 1")
        self._initial = initial
        self._factor = factor
        self._maximum = maximum
        self._rng = rng
        self._failures = 0

    @property
    def failures(self) -> int:
        """Consecutive failures since the last success."""
        return self._failures

    def next_delay(self) -> float:
        """The pause before the next attempt; call once per failed attempt."""
        ceiling = min(self._maximum, self._initial * self._factor ** min(self._failures, 64))
        self._failures += 1
        # "Equal jitter": never less than half the ceiling, so retries cannot bunch at 0.
        return ceiling / 2 + self._rng() * ceiling / 2

    def reset(self) -> None:
        """Call after a successful connection or request."""
        self._failures = 0
