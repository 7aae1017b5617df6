"""The offset between this computer's clock and the relay's, without I/O.

Call ``observe`` with each relay answer's ``Date`` header and the local times the
request was sent and answered; read ``offset`` (seconds to add to the local clock) when
stamping a replayed command's ``occurred_at``. A Date header has whole seconds, so one
answer bounds the offset to an interval; intersecting the intervals of many answers
narrows it well below a second.
"""

from __future__ import annotations

import email.utils
from datetime import datetime, timezone


class ClockOffset:
    """Relay time minus local time, as the interval that every observation allows."""

    def __init__(self) -> None:
        self._low: float | None = None
        self._high: float | None = None

    @property
    def known(self) -> bool:
        return self._low is not None

    @property
    def offset(self) -> float:
        """Best estimate (middle of the interval); 0 before any observation."""
        if self._low is None or self._high is None:
            return 0.0
        return (self._low + self._high) / 2

    @property
    def uncertainty(self) -> float:
        """Half the interval's width: the largest error of ``offset``."""
        if self._low is None or self._high is None:
            return float("inf")
        return (self._high - self._low) / 2

    def observe(self, sent: float, received: float, relay_seconds: float, resolution: float = 1.0) -> None:
        """Narrow the interval with one answer: relay time in [t, t+resolution) during [sent, received]."""
        low = relay_seconds - received
        high = relay_seconds + resolution - sent
        if self._low is None or self._high is None or low > self._high or high < self._low:
            # First sample, or a clock jumped: start over from this one.
            self._low, self._high = low, high
            return
        self._low = max(self._low, low)
        self._high = min(self._high, high)

    def observe_date_header(self, sent: float, received: float, header: str | None) -> None:
        """Like ``observe``, from an HTTP ``Date`` header; ignores a missing or bad one."""
        if not header:
            return
        try:
            parsed = email.utils.parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        self.observe(sent, received, parsed.timestamp())

    def relay_time(self, local_seconds: float) -> datetime:
        """The relay's clock at a local instant, as an aware UTC datetime."""
        return datetime.fromtimestamp(local_seconds + self.offset, tz=timezone.utc)
