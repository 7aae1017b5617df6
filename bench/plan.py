"""How big each benchmark is: the issue's figures by default, smaller with --quick."""

from __future__ import annotations

from dataclasses import dataclass

from bench import machine

#: Open files a server process keeps for itself (listener, database, logs, pipes).
SERVER_OVERHEAD_FILES = 500


@dataclass(frozen=True)
class Plan:
    users: int = 1000
    sockets_per_user: int = 10
    fanout_rate: float = 1000.0
    fanout_seconds: float = 10.0
    ack_sequential: int = 1000
    saturate_seconds: float = 5.0
    saturate_concurrency: int = 32
    heavy_entries: int = 100_000
    month_requests: int = 200
    broadcasts: int = 10
    broadcast_interval: float = 0.5
    capacity_target: int = 0
    #: One whole keepalive cycle of both servers (55 s, bridge.live.handler and
    #: bench.baseline), so every idle socket is pinged once inside the window.
    capacity_idle_seconds: float = 55.0
    load_processes: int = 4
    #: Clients offer permessage-deflate, as browsers do; ``--no-deflate`` turns it off.
    deflate: bool = True
    #: Commands per second for the second fan-out run (0: skip); set from benchmark 2.
    sustained_rate: float = 0.0
    #: The second run is a look at the push path alone, not an issue figure: shorter.
    sustained_seconds: float = 5.0

    @property
    def sockets(self) -> int:
        return self.users * self.sockets_per_user


#: Issue 8's capacity figure: the largest count tried is at least this.
CAPACITY_SOCKETS = 20_000


def default_plan() -> Plan:
    """Issue 8's figures; capacity: 20,000 sockets, or as many as one process may open
    here when that is fewer (``machine.raise_file_limit`` must have run)."""
    return Plan(capacity_target=min(CAPACITY_SOCKETS, machine.hard_file_limit() - SERVER_OVERHEAD_FILES))


def quick_plan() -> Plan:
    """A smoke run (about two minutes): every benchmark, a tenth of the load."""
    return Plan(
        users=100, fanout_rate=100.0, fanout_seconds=3.0, ack_sequential=200, saturate_seconds=2.0, heavy_entries=10_000,
        month_requests=50, broadcasts=5, capacity_target=2000, capacity_idle_seconds=5.0, load_processes=2,
    )
