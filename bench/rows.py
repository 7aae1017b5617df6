"""Turning the live measurements (relay and baseline) into result rows."""

from __future__ import annotations

from bench import machine
from bench.plan import CAPACITY_SOCKETS
from bench.scenarios_live import Capacity, LiveResult
from bench.stats import Row, Spread, fmt, percentile, ratio

KIB = 1024


def fanout_row(ours: LiveResult, base: LiveResult, sockets: int, rate: float, sustained: bool = False) -> Row:
    mine, theirs = (ours.fanout_sustained, base.fanout_sustained) if sustained else (ours.fanout, base.fanout)
    assert mine is not None and theirs is not None
    spread, base_spread = Spread.of_seconds(mine.latencies), Spread.of_seconds(theirs.latencies)
    factor = ratio(spread.p99, base_spread.p99)
    complete = mine.delivered >= mine.expected > 0
    met = complete and spread.p99 <= 10 and spread.p999 <= 50 and spread.max <= 100 and factor is not None and factor <= 3
    figure = (f"{spread.text()}; {mine.delivered:,}/{mine.expected:,} deliveries; "
              f"{mine.achieved_rate:,.0f} commands/s achieved of {rate:,.0f} offered ({mine.commands_failed} failed)")
    title = (f"1b. fan-out at {rate:,.0f} commands/s (half the measured throughput), {sockets:,} sockets" if sustained
             else f"1. fan-out, {sockets:,} sockets, command sent to event received")
    return Row(
        title, figure, "p99 <= 10 ms, p99.9 <= 50 ms, no delivery over 100 ms, ratio <= 3",
        f"{base_spread.text()}; {theirs.delivered:,}/{theirs.expected:,} deliveries (trigger message, websockets.broadcast)",
        factor, met, [f"ratio is p99 to p99; p50 ratio {fmt(ratio(spread.p50, base_spread.p50) or float('nan'))}x",
                      f"longest silence between two deliveries: {mine.longest_gap * 1000:.0f} ms (baseline {theirs.longest_gap * 1000:.0f} ms)"],
    )


def broadcast_row(ours: LiveResult, base: LiveResult, sockets: int) -> Row:
    assert ours.broadcast is not None and base.broadcast is not None
    lasts = [s * 1000 for s in ours.broadcast.last_recipient]
    base_lasts = [s * 1000 for s in base.broadcast.last_recipient]
    worst, base_worst = max(lasts, default=float("nan")), max(base_lasts, default=float("nan"))
    complete = ours.broadcast.complete == len(lasts) > 0
    return Row(
        f"6. broadcast to all {sockets:,} sockets, last recipient", 
        f"p50 {fmt(percentile(lasts, 0.5))} / max {fmt(worst)} ms over {len(lasts)} broadcasts; {ours.broadcast.complete} reached every socket",
        "last recipient <= 250 ms",
        f"p50 {fmt(percentile(base_lasts, 0.5))} / max {fmt(base_worst)} ms",
        ratio(worst, base_worst), complete and worst <= 250,
    )


def storm_row(ours: LiveResult, base: LiveResult, sockets: int) -> Row:
    def text(result: LiveResult) -> str:
        times = result.storm_seconds
        return (f"{len(times):,}/{sockets:,} caught up; p50 {fmt(percentile(times, 0.5))} / p99 {fmt(percentile(times, 0.99))}"
                f" / all {fmt(max(times, default=float('nan')))} s ({result.storm_failed} reconnects failed)")

    worst = max(ours.storm_seconds, default=float("nan"))
    base_worst = max(base.storm_seconds, default=float("nan"))
    notes = [f"errors: {ours.storm_errors}"] if ours.storm_errors else []
    return Row(
        f"4. reconnect storm, {sockets:,} clients with since=N", text(ours), "all caught up within 10 s", text(base),
        ratio(worst, base_worst), len(ours.storm_seconds) >= sockets and worst <= 10, notes,
    )


def capacity_row(ours: Capacity, base: Capacity) -> Row:
    def text(result: Capacity) -> str:
        return (f"{result.connected:,} idle sockets held (target {result.target:,}, {result.failed} failed); "
                f"{result.bytes_per_socket / KIB:.1f} KiB RSS per socket (first {result.first_fleet:,} on the fresh process); "
                f"whole process at the end {result.rss_after / KIB / KIB:.0f} MiB = {result.total_bytes_per_socket / KIB:.1f} KiB per socket; "
                f"idle CPU {result.idle_cpu_percent:.1f} % of a core over {result.idle_seconds:.0f} s; connected in {result.connect_seconds:.0f} s")

    notes = [] if ours.target >= CAPACITY_SOCKETS else [
        f"only {ours.target:,} sockets tried: one process may open at most {machine.hard_file_limit():,} files here (ulimit -Hn), and the "
        "run may not raise that (it does where it holds CAP_SYS_RESOURCE, which this machine's root lacks)"]
    if ours.errors:
        notes.append(f"errors: {ours.errors[:2]}")
    # The goal's count is 20,000 whatever the target could be here (see the note).
    met = ours.connected >= CAPACITY_SOCKETS and ours.bytes_per_socket <= 32 * KIB and ours.idle_cpu_percent <= 5
    return Row(
        "3. capacity, one relay process", text(ours), "<= 32 KiB RSS per socket, <= 5 % of a core idle, >= 20,000 sockets",
        text(base), ratio(ours.bytes_per_socket, base.bytes_per_socket), met,
        [*notes, "ratio is memory per socket to memory per socket"],
    )
