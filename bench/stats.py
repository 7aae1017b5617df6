"""Percentiles and result rows: what every benchmark hands back to the report."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of ``samples`` (``fraction`` in 0..1); NaN if empty."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(0, math.ceil(fraction * len(ordered)) - 1)
    return ordered[min(rank, len(ordered) - 1)]


@dataclass(frozen=True)
class Spread:
    """p50/p99/p99.9/max of a latency sample, in milliseconds."""

    count: int
    p50: float
    p99: float
    p999: float
    max: float

    @classmethod
    def of_seconds(cls, samples: Sequence[float]) -> Spread:
        """Summarise latencies given in seconds."""
        ms = sorted(s * 1000.0 for s in samples)
        return cls(len(ms), percentile(ms, 0.50), percentile(ms, 0.99), percentile(ms, 0.999), ms[-1] if ms else math.nan)

    def text(self) -> str:
        return f"p50 {fmt(self.p50)} / p99 {fmt(self.p99)} / p99.9 {fmt(self.p999)} / max {fmt(self.max)} ms (n={self.count})"


def fmt(value: float) -> str:
    """A number short enough for a table cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


@dataclass
class Row:
    """One line of the results table.

    ``met`` is None when the figure could not be measured. ``ratio`` is ours divided
    by the baseline (for rates: baseline divided by ours, so above 1 is always worse).
    """

    benchmark: str
    figure: str
    goal: str
    baseline: str = "n/a"
    ratio: float | None = None
    met: bool | None = None
    notes: list[str] = field(default_factory=list)
    #: The headline number, for later benchmarks that size their load by it.
    value: float | None = None

    @property
    def verdict(self) -> str:
        return {True: "met", False: "MISSED", None: "NOT MEASURED"}[self.met]

    @property
    def ratio_text(self) -> str:
        return "n/a" if self.ratio is None or math.isnan(self.ratio) else f"{self.ratio:.2f}x"


def ratio(ours: float, baseline: float) -> float | None:
    """ours / baseline, or None when the baseline is zero or missing."""
    if baseline is None or ours is None or math.isnan(baseline) or math.isnan(ours) or baseline <= 0:
        return None
    return ours / baseline
