"""Validation rules shared by the relay and the agent.

Call these before changing anything; each raises ``InvalidInput`` with a field name
and a sentence a user can act on.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bridge.core.errors import InvalidInput

MAX_ENTRY_SECONDS = 24 * 3600
MAX_DAY_SECONDS = 24 * 3600
MAX_NOTES_CHARS = 2_000
MAX_OFFLINE_AGE = timedelta(days=7)
#: A client clock corrected by the measured offset can still be a hair ahead of ours;
#: this much is read as "now", anything further ahead is refused.
FUTURE_TOLERANCE = timedelta(seconds=5)


def check_duration(seconds: int) -> int:
    """An entry's duration: more than 0 s and at most 24 h."""
    if seconds <= 0:
        raise InvalidInput("a duration must be more than zero", field="duration_seconds")
    if seconds > MAX_ENTRY_SECONDS:
        raise InvalidInput("an entry can be at most 24 hours", field="duration_seconds")
    return seconds


def check_day_total(already: int, adding: int) -> None:
    """No user may log more than 24 h on one day."""
    if already + adding > MAX_DAY_SECONDS:
        left = max(0, MAX_DAY_SECONDS - already)
        raise InvalidInput(
            f"that day would exceed 24 hours; at most {left // 3600}h {left % 3600 // 60}m can still be added",
            code="day_limit",
            field="duration_seconds",
        )


def check_notes(notes: str | None) -> str:
    """Notes are optional and at most 2,000 characters."""
    notes = notes or ""
    if len(notes) > MAX_NOTES_CHARS:
        raise InvalidInput(f"notes can be at most {MAX_NOTES_CHARS} characters", field="notes")
    return notes


def check_entry_date(day: date, today: date) -> date:
    """Manual entries may not be in the future (the user's local today is the limit)."""
    if day > today:
        raise InvalidInput("the date is in the future", field="date")
    return day


def check_occurred_at(occurred_at: datetime | None, now: datetime) -> datetime:
    """When an offline click happened: at most 7 days old, never in the future.

    ``None`` means "now". A value a few seconds ahead is read as now (clock skew).
    """
    if occurred_at is None:
        return now
    if occurred_at > now + FUTURE_TOLERANCE:
        raise InvalidInput("occurred_at is in the future", field="occurred_at")
    if occurred_at < now - MAX_OFFLINE_AGE:
        raise InvalidInput("occurred_at is more than 7 days old", field="occurred_at")
    return min(occurred_at, now)
