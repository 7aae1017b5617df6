"""``python -m bench [--quick] [--only NAME ...] [--home DIR]``: run, print, write results.md.

Always exits 0 once it got going: a missed goal is a finding, not a failure.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench import machine, relay, report, rows, scenarios_http, scenarios_live
from bench.plan import Plan, default_plan, quick_plan
from bench.stats import Row

NAMES = ("commands", "month", "live", "capacity", "inpage")
HERE = Path(__file__).resolve().parent


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tenth of the load (smoke run)")
    parser.add_argument("--only", nargs="+", choices=NAMES, help="run only these benchmarks")
    parser.add_argument("--home", type=Path, help="keep the data directory here (default: a temporary one)")
    parser.add_argument("--no-write", action="store_true", help="do not overwrite bench/results.md")
    parser.add_argument("--no-deflate", action="store_true", help="clients do not offer permessage-deflate (browsers do)")
    return parser.parse_args(argv)


def _guarded(name: str, benchmark: Callable[[], list[Row]]) -> list[Row]:
    """Run one benchmark; an exception becomes a NOT MEASURED row, never a failed build."""
    print(f"== {name}", flush=True)
    began = time.monotonic()
    try:
        result = benchmark()
    except Exception as exc:  # noqa: BLE001 - a benchmark that breaks is reported, never fatal
        traceback.print_exc()
        result = [Row(name, f"failed to run: {type(exc).__name__}: {exc}"[:300], "see goal in issue 8", met=None)]
    print(f"   ({time.monotonic() - began:.0f} s)", flush=True)
    return result


def _benchmarks(plan: Plan, seeded: relay.Seeded, home: Path, selected: tuple[str, ...]) -> dict[str, Callable[[], list[Row]]]:
    def http(run: Callable[..., list[Row]]) -> Callable[[], list[Row]]:
        def go() -> list[Row]:
            with relay.relay_server(home) as server, relay.baseline_server(home, "http") as baseline:
                return run(plan, seeded, server, baseline)
        return go

    def live() -> list[Row]:
        wanted = set(selected) & {"live", "capacity"}
        ours = scenarios_live.live_measurements(plan, seeded, scenarios_live.Target(relay.relay_server(home), True), wanted)
        base = scenarios_live.live_measurements(plan, seeded, scenarios_live.Target(relay.baseline_server(home, "ws"), False), wanted)
        out = []
        if "live" in wanted:
            out.append(rows.fanout_row(ours, base, plan.sockets, plan.fanout_rate))
            if ours.fanout_sustained and base.fanout_sustained:
                out.append(rows.fanout_row(ours, base, plan.sockets, plan.sustained_rate, sustained=True))
            out += [rows.storm_row(ours, base, plan.sockets),
                    rows.broadcast_row(ours, base, plan.sockets)]
        if "capacity" in wanted and ours.capacity and base.capacity:
            out.append(rows.capacity_row(ours.capacity, base.capacity))
        return out

    def inpage() -> list[Row]:
        from bench import inpage as in_page

        return in_page.run(plan, home)

    return {"commands": http(scenarios_http.command_ack), "month": http(scenarios_http.month_view),
            "live and capacity": live, "inpage": inpage}


def main(argv: list[str] | None = None) -> int:
    args = _arguments(sys.argv[1:] if argv is None else argv)
    machine.raise_file_limit()  # before the plan: capacity depends on it
    plan = quick_plan() if args.quick else default_plan()
    if args.no_deflate:
        plan = dataclasses.replace(plan, deflate=False)
    facts = machine.facts()
    facts["load before"] = machine.load_average()
    home = args.home or Path(tempfile.mkdtemp(prefix="taskclock-bench-"))
    began = time.monotonic()
    try:
        print(f"seeding {plan.users:,} users and {plan.heavy_entries:,} entries in {home}", flush=True)
        seeded = relay.seed(home, plan.users, plan.heavy_entries)
        selected = args.only or NAMES
        results: list[Row] = []
        for name in _benchmarks(plan, seeded, home, tuple(selected)):
            if set(name.split(" and ")) & set(selected):
                benchmark = _benchmarks(_sized(plan, results), seeded, home, tuple(selected))[name]
                results.extend(_guarded(name, benchmark))
    finally:
        if args.home is None:
            shutil.rmtree(home, ignore_errors=True)
    facts["load after"] = machine.load_average()
    facts["run time"] = f"{time.monotonic() - began:.0f} s"
    print(report.console(results))
    if not args.no_write:
        sections = _sections()
        mode = (" --quick" if args.quick else "") + (" --no-deflate" if args.no_deflate else "")
        print(f"wrote {report.write(report.markdown(facts, results, sections, mode))}")
    missed = sum(1 for row in results if row.met is False)
    print(f"{missed} goal(s) MISSED" if missed else "every measured goal met")
    return 0


def _sized(plan: Plan, results: list[Row]) -> Plan:
    """The plan, with the second fan-out rate set to half the measured command throughput."""
    throughput = next((row.value for row in results if row.value), None)
    rate = round(throughput / 2) if throughput else (plan.fanout_rate / 20)
    return dataclasses.replace(plan, sustained_rate=max(1.0, float(rate)))


def _sections() -> dict[str, str]:
    """The hand-written parts of results.md: method and findings."""
    sections = {}
    for title, name in (("How it is measured", "method.md"), ("Findings", "findings.md")):
        path = HERE / name
        if path.exists():
            sections[title] = path.read_text()
    return sections


if __name__ == "__main__":
    sys.exit(main())
