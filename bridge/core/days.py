"""Day arithmetic: instants in UTC, days as local midnights in the user's IANA zone.

Durations are computed in UTC; a day is the span between two local midnights, which is
23 or 25 hours across a DST change (and 23.5 on Lord Howe). Splitting every interval at
those midnights is what makes the sum of a day's entries equal what the widget showed
as that day's total.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bridge.core.errors import InvalidInput
from bridge.core.timer import Segment


def zone(name: str) -> ZoneInfo:
    """The zone for an IANA name; a clear error for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown time zone {name!r}", field="time_zone") from exc


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    """The user's calendar date at ``instant``."""
    return instant.astimezone(tz).date()


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant of local midnight starting ``day`` (DST-correct).

    Where a zone skips midnight itself, ``fold=0`` reads the missing wall time with the
    offset before the gap, which lands on the first valid instant after it: when the
    day really begins.
    """
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(timezone.utc)


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """``[start, end)`` of a local day, in UTC."""
    return day_start(day, tz), day_start(day + timedelta(days=1), tz)


@dataclass(frozen=True)
class DayPart:
    """The piece of an interval that falls on one local day."""

    day: date
    start: datetime
    end: datetime

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())


def split_at_midnights(start: datetime, end: datetime, tz: ZoneInfo) -> list[DayPart]:
    """Cut ``[start, end)`` at every local midnight it crosses."""
    parts: list[DayPart] = []
    cursor = start
    while cursor < end:
        day = local_date(cursor, tz)
        boundary = day_bounds(day, tz)[1]
        piece_end = min(end, boundary)
        parts.append(DayPart(day, cursor, piece_end))
        cursor = piece_end
    return parts


def seconds_by_day(segments: Iterable[Segment], tz: ZoneInfo, now: datetime) -> dict[date, int]:
    """Running seconds per local day; an open segment counts up to ``now``."""
    totals: dict[date, int] = defaultdict(int)
    for segment in segments:
        end = segment.end or now
        for part in split_at_midnights(segment.start, end, tz):
            totals[part.day] += part.seconds
    return dict(totals)


@dataclass(frozen=True)
class EntryDraft:
    """One timesheet entry a stopped timer leaves on one local day."""

    day: date
    seconds: int
    started_at: datetime
    ended_at: datetime


def entries_from_segments(segments: Iterable[Segment], tz: ZoneInfo) -> list[EntryDraft]:
    """Turn a stopped timer's segments into one entry per local day it touched.

    Without a midnight this is a single entry whose duration is the sum of the running
    segments; ``started_at``/``ended_at`` span the first and last running instant.
    """
    by_day: dict[date, list[DayPart]] = defaultdict(list)
    for segment in segments:
        assert segment.end is not None, "entries are made from closed segments"
        for part in split_at_midnights(segment.start, segment.end, tz):
            by_day[part.day].append(part)
    drafts = []
    for day in sorted(by_day):
        parts = by_day[day]
        seconds = sum(part.seconds for part in parts)
        if seconds > 0:
            drafts.append(EntryDraft(day, seconds, parts[0].start, parts[-1].end))
    return drafts


def overlap_seconds(start: datetime, end: datetime, day: date, tz: ZoneInfo) -> int:
    """Seconds of ``[start, end)`` that fall on local ``day`` (attendance sums)."""
    lo, hi = day_bounds(day, tz)
    return max(0, int((min(end, hi) - max(start, lo)).total_seconds()))


def month_days(year: int, month: int) -> list[date]:
    """Every calendar date of a month, in order."""
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return [first + timedelta(days=n) for n in range((following - first).days)]


def parse_month(text: str) -> tuple[int, int]:
    """``YYYY-MM`` to ``(year, month)``; a clear error otherwise."""
    try:
        year, month = (int(part) for part in text.split("-"))
        date(year, month, 1)
    except (ValueError, TypeError) as exc:
        raise InvalidInput("month must look like YYYY-MM", field="month") from exc
    return year, month
