"""Benchmarks 1 (fan-out), 4 (reconnect storm), 6 (broadcast) and 3 (capacity).

``live_measurements(plan, seeded, target)`` runs 1, 6 and 4 in that order on one set
of sockets against one server (the relay or the baseline); ``capacity(...)`` holds as
many idle sockets as one server process may. The callers (``bench.__main__``) turn
the two servers' measurements into rows.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from bench import analysis, commands, machine, relay
from bench.commands import in_load_process
from bench.plan import Plan
from bench.relay import Seeded, ServerProcess
from bench.sockets import SOCKETS_PER_SOURCE, SocketFleet

#: Relay event names that answer a timer command (entry.created rides along on stop).
TIMER_EVENTS = {"timer.started", "timer.stopped"}
#: Concurrent handshakes per load process during the storm (all clients at once would
#: only measure the listen backlog's SYN retries).
STORM_CONCURRENCY = 250
#: The storm's goal is 10 s; after this long the figure is "not all caught up".
STORM_GIVE_UP_SECONDS = 60.0
#: The capacity top-up stops trying after this long and reports what it holds.
TOP_UP_GIVE_UP_SECONDS = 240.0


@dataclass
class Target:
    """A server under load and how to speak to it."""

    server: ServerProcess
    is_relay: bool

    @property
    def socket_url(self) -> str:
        port = self.server.port
        return f"ws://127.0.0.1:{port}/api/v1/{relay.TENANT}/live" if self.is_relay else f"ws://127.0.0.1:{port}/"

    def socket_plans(self, seeded: Seeded, per_user: int, total: int | None = None) -> list[tuple[int, str]]:
        """One (user, token) per socket: ``per_user`` each, or ``total`` round-robin."""
        users = [(user, token if self.is_relay else str(user)) for user, token in seeded.users]
        count = total if total is not None else len(users) * per_user
        return [users[n % len(users)] for n in range(count)]


@dataclass
class Capacity:
    """Sockets held at the end, and memory measured on the fresh process's first fleet
    (before any traffic or churn: the per-socket cost without fragmentation)."""

    target: int
    connected: int
    failed: int
    errors: list[str]
    connect_seconds: float
    rss_before: int
    rss_first_fleet: int
    first_fleet: int
    rss_after: int
    idle_cpu_percent: float
    idle_seconds: float

    @property
    def bytes_per_socket(self) -> float:
        return (self.rss_first_fleet - self.rss_before) / self.first_fleet if self.first_fleet else float("nan")

    @property
    def total_bytes_per_socket(self) -> float:
        return self.rss_after / self.connected if self.connected else float("nan")


@dataclass
class LiveResult:
    connect: dict[str, Any] = field(default_factory=dict)
    fanout: analysis.FanOut | None = None
    #: The same at a rate the relay sustains (half its measured command throughput).
    fanout_sustained: analysis.FanOut | None = None
    broadcast: analysis.Broadcasts | None = None
    storm_seconds: list[float] = field(default_factory=list)
    storm_connected: int = 0
    storm_failed: int = 0
    storm_errors: list[str] = field(default_factory=list)
    capacity: Capacity | None = None


def live_measurements(plan: Plan, seeded: Seeded, target: Target, selected: set[str]) -> LiveResult:
    """Connect ``plan.sockets`` sockets; top up to ``plan.capacity_target`` idle sockets
    and drop the top-up again (``"capacity"`` in ``selected``); then fan-out, broadcast
    and storm on the first sockets (``"live"``).

    One server process serves all of it: connecting sockets to the relay is the slow
    part of the run, and the capacity figure counts the first sockets too.
    """
    result = LiveResult()
    plans = target.socket_plans(seeded, plan.sockets_per_user)
    with target.server:
        time.sleep(1.0)
        rss_before = machine.process_rss_bytes(target.server.pid)
        with SocketFleet(target.socket_url, plans, plan.load_processes, deflate=plan.deflate) as fleet:
            result.connect = fleet.connect()
            time.sleep(1.0)  # the welcome frames are flushed
            rss_connected = machine.process_rss_bytes(target.server.pid)
            print(f"    connected {result.connect['connected']:,} sockets in {result.connect['seconds']:.1f} s"
                  f" ({result.connect['failed']} failed {result.connect['errors'][:1]})", flush=True)
            if "capacity" in selected:
                try:
                    held = sum(fleet.ask("count"))
                    result.capacity = _top_up(plan, seeded, target, held, (rss_before, rss_connected, result.connect["connected"]))
                except Exception:  # noqa: BLE001 - the live benchmarks still run and report
                    traceback.print_exc()
            if "live" in selected:
                result.fanout = _fanout(plan, seeded, target, fleet, plan.fanout_rate)
                if plan.sustained_rate:
                    result.fanout_sustained = _fanout(plan, seeded, target, fleet, plan.sustained_rate, plan.sustained_seconds)
                result.broadcast = _broadcast(plan, seeded, target, fleet, result.connect["connected"])
                _storm(plan, seeded, target, fleet, result)
                print(f"    storm: {len(result.storm_seconds):,} caught up", flush=True)
    return result


def _drain(fleet: SocketFleet, seconds: float = 2.0) -> list[analysis.Record]:
    time.sleep(seconds)  # let the last events arrive before reading the records
    return fleet.collect()


def _fanout(plan: Plan, seeded: Seeded, target: Target, fleet: SocketFleet, rate: float, seconds: float | None = None) -> analysis.FanOut:
    fleet.record(True)
    if target.is_relay:
        sent = in_load_process(commands.relay_fanout, target.server.base_url, relay.TENANT, seeded.task_id,
                               dict(seeded.users), rate, seconds or plan.fanout_seconds)
    else:
        sent = in_load_process(commands.baseline_fanout, target.socket_url, [u for u, _ in seeded.users],
                               rate, seconds or plan.fanout_seconds)
    records = _drain(fleet)
    fleet.record(False)
    names = TIMER_EVENTS if target.is_relay else {"timer.started"}
    return analysis.fanout(sent, records, names, plan.sockets_per_user)


def _broadcast(plan: Plan, seeded: Seeded, target: Target, fleet: SocketFleet, sockets: int) -> analysis.Broadcasts:
    fleet.record(True)
    if target.is_relay:
        sent = in_load_process(commands.relay_broadcasts, target.server.base_url, relay.TENANT, seeded.task_id,
                               seeded.owner, plan.broadcasts, plan.broadcast_interval)
    else:
        sent = in_load_process(commands.baseline_broadcasts, target.socket_url, plan.broadcasts, plan.broadcast_interval)
    records = _drain(fleet)
    fleet.record(False)
    return analysis.broadcasts(sent, records, "task.updated", sockets)


def _storm(plan: Plan, seeded: Seeded, target: Target, fleet: SocketFleet, result: LiveResult) -> None:
    """Drop every socket, let each user have one event, reconnect all with since."""
    fleet.ask("drop")
    time.sleep(1.0)  # the server notices the resets
    if target.is_relay:
        in_load_process(commands.relay_one_each, target.server.base_url, relay.TENANT, seeded.task_id, dict(seeded.users))
    else:
        in_load_process(commands.baseline_one_each, target.socket_url, [u for u, _ in seeded.users])
    began = time.monotonic()
    answers = fleet.ask("storm", ("timer.started", STORM_CONCURRENCY, STORM_GIVE_UP_SECONDS), timeout=STORM_GIVE_UP_SECONDS + 60)
    result.storm_seconds = sorted(at - began for answer in answers for at in answer["caught_up"])
    result.storm_connected = sum(a["connected"] for a in answers)
    result.storm_failed = sum(a["failed"] for a in answers)
    result.storm_errors = [e for a in answers for e in a["errors"]][:3]


def _top_up(plan: Plan, seeded: Seeded, target: Target, held: int, first: tuple[int, int, int]) -> Capacity:
    """Add idle sockets up to ``plan.capacity_target``; RSS per socket and idle CPU."""
    extra = max(0, plan.capacity_target - held)
    plans = target.socket_plans(seeded, 0, extra)
    processes = max(plan.load_processes, -(-extra // 6000))
    # Source addresses after the first fleet's, so no address serves more than its share.
    first_source = 2 + -(-held // SOCKETS_PER_SOURCE) + 1
    with SocketFleet(target.socket_url, plans, processes, first_source, plan.deflate) as fleet:
        connect = fleet.connect(within=TOP_UP_GIVE_UP_SECONDS) if extra else {"connected": 0, "failed": 0, "errors": [], "seconds": 0.0}
        time.sleep(2.0)  # handshakes settle, the welcome frames are flushed
        cpu_before, began = machine.process_cpu_seconds(target.server.pid), time.monotonic()
        time.sleep(plan.capacity_idle_seconds)
        idle = time.monotonic() - began
        cpu = machine.process_cpu_seconds(target.server.pid) - cpu_before
        rss_after = machine.process_rss_bytes(target.server.pid)
        still_open = sum(fleet.ask("count"))
        fleet.ask("drop")  # the live benchmarks run on the first sockets only
    time.sleep(2.0)  # the server forgets the dropped sockets
    total = held + connect["connected"]
    print(f"    capacity: {total:,} sockets, {still_open:,} of the top-up still open after the idle window", flush=True)
    rss_before, rss_connected, first_fleet = first
    return Capacity(plan.capacity_target, total, connect["failed"], connect["errors"], connect["seconds"],
                    rss_before, rss_connected, first_fleet, rss_after, 100.0 * cpu / idle, idle)
