"""Matching what the load processes sent with what the sockets received.

Orders of one user are sent one at a time, so the k-th successful order of a user
caused the k-th distinct event sequence number (of the matched names) that user's
sockets saw. Broadcasts are sent one at a time too: the k-th broadcast is the k-th
distinct sequence number of its event name.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise

from bench.commands import Sent

#: (user id of the receiving socket, seq, event name, receive time)
Record = tuple[int, int, str, float]


@dataclass
class FanOut:
    latencies: list[float]
    delivered: int
    expected: int
    commands_ok: int
    commands_failed: int
    achieved_rate: float
    longest_gap: float


def fanout(sent: list[Sent], records: list[Record], names: set[str], sockets_per_user: int) -> FanOut:
    """Send-to-receive latency of every delivery of every order's event."""
    ok = sorted((s for s in sent if s[3] == 200), key=lambda s: s[1])
    orders: dict[int, list[float]] = defaultdict(list)
    for user, sent_at, _answered, _status in ok:
        orders[user].append(sent_at)
    receipts: dict[int, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for user, seq, name, at in records:
        if name in names:
            receipts[user][seq].append(at)
    latencies = []
    for user, by_seq in receipts.items():
        for sent_at, seq in zip(orders.get(user, []), sorted(by_seq)):
            latencies.extend(at - sent_at for at in by_seq[seq])
    span = (max(s[2] for s in ok) - ok[0][1]) if ok else 0.0
    arrivals = sorted(at for _u, _s, name, at in records if name in names)
    gaps = [b - a for a, b in pairwise(arrivals)]
    return FanOut(
        latencies, len(latencies), len(ok) * sockets_per_user, len(ok), len(sent) - len(ok),
        len(ok) / span if span else 0.0, max(gaps, default=0.0),
    )


@dataclass
class Broadcasts:
    last_recipient: list[float]
    complete: int
    sockets: int


def broadcasts(sent: list[Sent], records: list[Record], name: str, sockets: int) -> Broadcasts:
    """For each broadcast: time from sending it to its last recipient."""
    by_seq: dict[int, list[float]] = defaultdict(list)
    for _user, seq, event, at in records:
        if event == name:
            by_seq[seq].append(at)
    ok = [s for s in sent if s[3] == 200]
    lasts, complete = [], 0
    for (_user, sent_at, _answered, _status), seq in zip(ok, sorted(by_seq)):
        lasts.append(max(by_seq[seq]) - sent_at)
        complete += len(by_seq[seq]) >= sockets
    return Broadcasts(lasts, complete, sockets)
