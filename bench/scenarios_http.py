"""Benchmarks 2 (command acknowledgement) and 5 (month view), relay and baseline.

Call ``command_ack(...)`` and ``month_view(...)`` with a started relay and a started
``http`` baseline; each returns result rows for the table.
"""

from __future__ import annotations

from bench import http_load, relay
from bench.commands import in_load_process
from bench.plan import Plan
from bench.relay import Seeded, ServerProcess
from bench.stats import Row, Spread, fmt, ratio


def command_ack(plan: Plan, seeded: Seeded, server: ServerProcess, baseline: ServerProcess) -> list[Row]:
    """Start/stop with Idempotency-Key: latency one at a time, then throughput at saturation."""
    tokens = dict(seeded.users[: max(plan.saturate_concurrency * 2, 64)])
    ours, (done, failed, elapsed) = in_load_process(
        http_load.relay_commands, server.base_url, relay.TENANT, seeded.task_id, tokens,
        plan.ack_sequential, plan.saturate_seconds, plan.saturate_concurrency,
    )
    base, (b_done, b_failed, b_elapsed) = in_load_process(
        http_load.baseline_inserts, baseline.base_url, plan.ack_sequential, plan.saturate_seconds, plan.saturate_concurrency,
    )
    spread, base_spread = Spread.of_seconds(ours), Spread.of_seconds(base)
    rate, base_rate = done / elapsed, b_done / b_elapsed
    latency = Row(
        "2. command ack (start/stop, SQLite WAL)", spread.text(), "p50 <= 1 ms, p99 <= 10 ms",
        f"p50 {fmt(base_spread.p50)} / p99 {fmt(base_spread.p99)} ms (aiohttp + one sqlite3 WAL insert)",
        ratio(spread.p99, base_spread.p99), spread.p50 <= 1.0 and spread.p99 <= 10.0,
        [f"ratio is p99 to p99; p50 ratio {fmt(ratio(spread.p50, base_spread.p50) or float('nan'))}x"],
    )
    throughput = Row(
        "2. command throughput at saturation", f"{rate:,.0f} commands/s ({plan.saturate_concurrency} in flight, {failed} failed)",
        "report (no goal)", f"{base_rate:,.0f} inserts/s ({b_failed} failed)", ratio(base_rate, rate), None if done == 0 else True,
        value=rate,
    )
    return [latency, throughput]


def month_view(plan: Plan, seeded: Seeded, server: ServerProcess, baseline: ServerProcess) -> list[Row]:
    """GET /timesheet for the heavy user's fullest month, against the same query bare."""
    user_id, token = seeded.heavy
    ours = in_load_process(
        http_load.month_views, f"{server.base_url}/api/v1/{relay.TENANT}/timesheet?month={relay.HEAVY_MONTH}",
        {"Authorization": f"Bearer {token}"}, plan.month_requests,
    )
    base = in_load_process(
        http_load.month_views, f"{baseline.base_url}/timesheet?user_id={user_id}&month={relay.HEAVY_MONTH}", {}, plan.month_requests,
    )
    spread, base_spread = Spread.of_seconds(ours), Spread.of_seconds(base)
    per_month = plan.heavy_entries // relay.HISTORY_MONTHS
    return [Row(
        f"5. month view ({plan.heavy_entries:,} entries stored, ~{per_month:,} in the month)", spread.text(), "p99 <= 20 ms",
        f"p50 {fmt(base_spread.p50)} / p99 {fmt(base_spread.p99)} ms (the same rows, one sqlite3 query)",
        ratio(spread.p99, base_spread.p99), bool(ours) and spread.p99 <= 20.0,
    )]
