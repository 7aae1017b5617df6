"""The timer state machine: ``idle → running ⇄ paused → stopped``.

A timer is a task plus the running segments clocked on it. Call these functions with
the current timer (or ``None``) and ``now`` (an aware UTC instant, whole seconds);
they return new values and never mutate. The store persists what they return; the
database's unique constraint on the user keeps "at most one timer per user" true even
against a racing second process.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Literal

from bridge.core.errors import Conflict, InvalidInput

TimerStatus = Literal["running", "paused"]


def utc_seconds(instant: datetime) -> datetime:
    """Normalise an aware instant to UTC with whole seconds (durations stay integers)."""
    if instant.tzinfo is None:
        raise InvalidInput("a time needs a UTC offset", code="naive_datetime")
    return instant.astimezone(timezone.utc).replace(microsecond=0)


@dataclass(frozen=True)
class Segment:
    """One stretch of running time; ``end`` is ``None`` while it runs."""

    start: datetime
    end: datetime | None = None

    def seconds(self, now: datetime) -> int:
        return int(((self.end or now) - self.start).total_seconds())


@dataclass(frozen=True)
class Timer:
    """A user's one timer: running or paused on ``task_id``."""

    task_id: int
    segments: tuple[Segment, ...]
    notes: str = ""

    @property
    def status(self) -> TimerStatus:
        return "running" if self.segments[-1].end is None else "paused"

    @property
    def started_at(self) -> datetime:
        return self.segments[0].start

    @property
    def last_change(self) -> datetime:
        last = self.segments[-1]
        return last.end or last.start

    def running_seconds(self, now: datetime) -> int:
        """Seconds clocked so far, the open segment counted up to ``now``."""
        return sum(segment.seconds(max(now, segment.start)) for segment in self.segments)


def _not_before(timer: Timer, at: datetime) -> datetime:
    # An offline client's clock may be a little behind the last recorded change:
    # never let time run backwards inside one timer.
    return max(at, timer.last_change)


def start(task_id: int, at: datetime, notes: str = "") -> Timer:
    """A new running timer. The caller stops any existing timer first (see ``stop``)."""
    return Timer(task_id=task_id, segments=(Segment(at),), notes=notes)


def pause(timer: Timer, at: datetime) -> Timer:
    """Close the running segment; the timer stays on its task."""
    if timer.status != "running":
        raise Conflict("the timer is already paused", code="timer_paused")
    at = _not_before(timer, at)
    return replace(timer, segments=(*timer.segments[:-1], Segment(timer.segments[-1].start, at)))


def resume(timer: Timer, at: datetime) -> Timer:
    """Open a new running segment on a paused timer."""
    if timer.status != "paused":
        raise Conflict("the timer is already running", code="timer_running")
    at = _not_before(timer, at)
    return replace(timer, segments=(*timer.segments, Segment(at)))


def stop(timer: Timer, at: datetime) -> tuple[Segment, ...]:
    """The closed running segments the timer leaves behind, ready to become entries."""
    if timer.status == "running":
        timer = pause(timer, at)
    return tuple(segment for segment in timer.segments if segment.end is not None and segment.end > segment.start)


def with_notes(timer: Timer, notes: str | None) -> Timer:
    """The timer with its notes replaced, when the caller sent any."""
    return timer if notes is None else replace(timer, notes=notes)
