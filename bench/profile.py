"""``python -m bench.profile commands|month|connect|fanout [--seconds S] [--rate R]``: py-spy on the relay under load.

Call when a goal is missed, to see where the relay's time goes. Seeds a small tenant,
starts the relay, records it with ``py-spy`` (the ``bench`` extra) while the load runs,
and prints the hottest frames (own time and cumulative) to stdout.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from bench import http_load, machine, relay
from bench.commands import in_load_process

T = TypeVar("T")


def hottest(raw: Path, top: int) -> str:
    """Summarise py-spy's collapsed stacks: own-time and cumulative leaders."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        weight = int(count)
        samples += weight
        own[frames[-1]] += weight
        for frame in set(frames):
            total[frame] += weight
    lines = [f"{samples} samples", "own time by package (idle waits included):"]
    lines += [f"  {100 * n / samples:5.1f} %  {name}" for name, n in _by_package(own).most_common(top)]
    lines += ["own time:"]
    lines += [f"  {100 * n / samples:5.1f} %  {frame}" for frame, n in own.most_common(top)]
    lines += ["cumulative:"]
    lines += [f"  {100 * n / samples:5.1f} %  {frame}" for frame, n in total.most_common(top * 2)]
    return "\n".join(lines)


def _package(frame: str) -> str:
    """``aiosqlite`` from ``Connection._execute (aiosqlite/core.py:158)``."""
    inside = frame.rpartition("(")[2]
    path = inside.split(":")[0]
    return path.split("/")[0] if "/" in path else path or "?"


def _by_package(own: Counter[str]) -> Counter[str]:
    packages: Counter[str] = Counter()
    for frame, n in own.items():
        packages[_package(frame)] += n
    return packages


def _load(kind: str, seeded: relay.Seeded, server: relay.ServerProcess, seconds: float) -> str:
    if kind == "connect":
        from bench.sockets import SocketFleet

        plans = [(user, token) for user, token in seeded.users] * 10
        with SocketFleet(f"ws://127.0.0.1:{server.port}/api/v1/{relay.TENANT}/live", plans, 2) as fleet:
            done = fleet.connect()
        return f"{done['connected']} sockets in {done['seconds']:.1f} s"
    if kind == "commands":
        latencies, (done, failed, elapsed) = in_load_process(
            http_load.relay_commands, server.base_url, relay.TENANT, seeded.task_id, dict(seeded.users[:64]), 100, seconds, 32)
        return f"{done / elapsed:.0f} commands/s, {failed} failed"
    url = f"{server.base_url}/api/v1/{relay.TENANT}/timesheet?month={relay.HEAVY_MONTH}"
    latencies = in_load_process(http_load.month_views, url, {"Authorization": f"Bearer {seeded.heavy[1]}"}, 300)
    return f"{len(latencies)} month views, median {1000 * sorted(latencies)[len(latencies) // 2]:.1f} ms"


def _measured(pid: int, work: Callable[[], T]) -> T:
    """``work()``, printing the share of a core the relay used meanwhile."""
    cpu, began = machine.process_cpu_seconds(pid), time.monotonic()
    result = work()
    busy = (machine.process_cpu_seconds(pid) - cpu) / (time.monotonic() - began)
    print(f"relay CPU: {100 * busy:.0f} % of a core during the load")
    return result


def _spy(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("py-spy")), "record", "-p", str(pid), "-o", str(out), "-f", "raw",
         "-r", "250", "-d", str(int(seconds))], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _fanout(home: Path, rate: float, seconds: float, out: Path) -> None:
    """Benchmark 1's shape: 1,000 users x 10 sockets, then timer commands at ``rate``."""
    from bench import commands
    from bench.sockets import SocketFleet

    seeded = relay.seed(home, 1000, 1000)
    with relay.relay_server(home) as server:
        plans = [(user, token) for user, token in seeded.users] * 10
        with SocketFleet(f"ws://127.0.0.1:{server.port}/api/v1/{relay.TENANT}/live", plans, 4) as fleet:
            print(f"{fleet.connect()['connected']} sockets connected")
            spy = _spy(server.pid, seconds + 4, out)
            time.sleep(1.0)
            sent = _measured(server.pid, lambda: in_load_process(
                commands.relay_fanout, server.base_url, relay.TENANT, seeded.task_id, dict(seeded.users), rate, seconds))
            print(f"{len(sent)} commands sent at {rate:.0f}/s offered")
            spy.wait(timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("kind", choices=["commands", "month", "connect", "fanout"])
    parser.add_argument("--rate", type=float, default=250.0, help="fanout: timer commands a second")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="taskclock-profile-"))
    out = home / "profile.txt"
    try:
        if args.kind == "fanout":
            _fanout(home, args.rate, args.seconds, out)
            print(hottest(out, args.top))
            return
        seeded = relay.seed(home, 100, 100_000 if args.kind == "month" else 1000)
        with relay.relay_server(home) as server:
            spy = _spy(server.pid, args.seconds + (30 if args.kind == "connect" else 6), out)
            time.sleep(1.0)
            print(_measured(server.pid, lambda: _load(args.kind, seeded, server, args.seconds)))
            spy.wait(timeout=120)
        print(hottest(out, args.top))
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
