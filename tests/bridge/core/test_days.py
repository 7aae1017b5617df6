"""Day arithmetic across DST transitions: property tests in four zones."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st

from bridge.core import days
from bridge.core.errors import InvalidInput
from bridge.core.timer import Segment

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
# Around the 2026 DST changes of each zone (and a year either side).
START = datetime(2025, 1, 1, tzinfo=timezone.utc)
SPAN_SECONDS = 3 * 365 * 24 * 3600

instants = st.integers(0, SPAN_SECONDS).map(lambda s: START + timedelta(seconds=s))
lengths = st.integers(1, 3 * 24 * 3600)


@settings(max_examples=300, deadline=None)
@given(zone=st.sampled_from(ZONES), start=instants, length=lengths)
def test_per_day_sums_equal_the_utc_total(zone, start, length):
    tz = ZoneInfo(zone)
    end = start + timedelta(seconds=length)
    parts = days.split_at_midnights(start, end, tz)
    assert sum(part.seconds for part in parts) == length
    assert [p.day for p in parts] == sorted({p.day for p in parts}), "one part per local day, in order"
    for part in parts:
        assert part.seconds <= 25 * 3600
        lo, hi = days.day_bounds(part.day, tz)
        assert lo <= part.start < part.end <= hi


@settings(max_examples=200, deadline=None)
@given(zone=st.sampled_from(ZONES), start=instants, length=lengths)
def test_an_entry_across_local_midnight_becomes_one_per_day(zone, start, length):
    tz = ZoneInfo(zone)
    end = start + timedelta(seconds=length)
    drafts = days.entries_from_segments([Segment(start, end)], tz)
    local_days = {days.local_date(start, tz), days.local_date(end - timedelta(seconds=1), tz)}
    crosses = len(local_days) > 1
    assert (len(drafts) > 1) == crosses
    assert sum(d.seconds for d in drafts) == length
    assert all(0 < d.seconds <= 25 * 3600 for d in drafts)


@settings(max_examples=200, deadline=None)
@given(zone=st.sampled_from(ZONES), day=st.dates(date(2025, 1, 1), date(2027, 12, 31)))
def test_a_local_day_is_23_to_25_hours_and_days_tile(zone, day):
    tz = ZoneInfo(zone)
    lo, hi = days.day_bounds(day, tz)
    assert 23 * 3600 <= (hi - lo).total_seconds() <= 25 * 3600
    assert days.day_bounds(day + timedelta(days=1), tz)[0] == hi
    assert days.local_date(lo, tz) == day
    assert days.local_date(hi - timedelta(seconds=1), tz) == day


def test_berlin_spring_forward_day_has_23_hours():
    lo, hi = days.day_bounds(date(2026, 3, 29), ZoneInfo("Europe/Berlin"))
    assert hi - lo == timedelta(hours=23)


def test_lord_howe_half_hour_shift():
    lo, hi = days.day_bounds(date(2026, 4, 5), ZoneInfo("Australia/Lord_Howe"))
    assert hi - lo == timedelta(hours=24, minutes=30)


def test_seconds_by_day_counts_the_open_segment_up_to_now():
    tz = ZoneInfo("Asia/Kolkata")  # UTC+5:30: local midnight is 18:30 UTC
    start = datetime(2026, 6, 1, 18, 0, tzinfo=timezone.utc)
    now = datetime(2026, 6, 1, 19, 0, tzinfo=timezone.utc)
    totals = days.seconds_by_day([Segment(start)], tz, now)
    assert totals == {date(2026, 6, 1): 1800, date(2026, 6, 2): 1800}


def test_unknown_zone_and_bad_month_are_clear_errors():
    with pytest.raises(InvalidInput, match="unknown time zone"):
        days.zone("Mars/Olympus")
    with pytest.raises(InvalidInput, match="YYYY-MM"):
        days.parse_month("2026-13")
    assert len(days.month_days(2028, 2)) == 29
