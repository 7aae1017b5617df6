"""The hub's decisions without sockets: routing, ordering, catch-up, envelopes, tokens."""

from __future__ import annotations

import ast
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bridge.core.errors import InvalidInput
from bridge.live import core
from bridge.live.core import Envelope, Room, Sequencer


@dataclass(eq=False)
class Sub:
    user_id: int
    watches_activity: bool = False


def env(seq: int, user_id: int | None = 1, tenant_id: int = 1) -> Envelope:
    return Envelope(tenant_id, seq, user_id, f'{{"seq":{seq}}}'.encode())


def test_room_routes_own_events_to_every_socket_of_the_user_and_to_watchers_once():
    tab1, tab2, other, admin, own_admin = Sub(1), Sub(1), Sub(2), Sub(3, True), Sub(1, True)
    room: Room[Sub] = Room()
    for sub in (tab1, tab2, other, admin, own_admin):
        room.add(sub)
    got = room.recipients(1)
    assert sorted(map(id, got)) == sorted(map(id, [tab1, tab2, admin, own_admin]))
    assert len(got) == len(set(map(id, got)))
    assert set(map(id, room.recipients(None))) == set(map(id, [tab1, tab2, other, admin, own_admin]))
    room.remove(admin)
    room.remove(own_admin)
    assert set(map(id, room.recipients(1))) == {id(tab1), id(tab2)}
    room.remove(tab1)
    room.remove(tab2)
    assert room.by_user.keys() == {2}


def test_visible_matches_the_room():
    assert core.visible(None, 5, False)
    assert core.visible(5, 5, False)
    assert not core.visible(6, 5, False)
    assert core.visible(6, 5, True)


def test_sequencer_orders_and_drops_repeats():
    seq = Sequencer()
    assert seq.offer(env(11)) == []  # not started: held
    assert [e.seq for e in seq.start(10)] == [11]
    assert seq.offer(env(11)) == []  # repeat (Redis echo)
    assert seq.offer(env(13)) == []
    assert seq.gap() == (11, 13)
    assert [e.seq for e in seq.offer(env(12))] == [12, 13]
    assert seq.gap() is None
    assert seq.start(5) == [] and seq.delivered == 13  # start only once


def test_sequencer_fills_a_hole_from_the_log_and_skips_a_pruned_one():
    seq = Sequencer()
    seq.start(0)
    seq.offer(env(3))
    ready, skipped = seq.fill([env(1), env(2)], upto=3)
    assert [e.seq for e in ready] == [1, 2, 3] and not skipped
    seq.offer(env(6))
    ready, skipped = seq.fill([], upto=6)  # 4 and 5 are gone from the log
    assert [e.seq for e in ready] == [6] and skipped


def test_sequencer_delivers_any_arrival_order_exactly_once_in_order():
    rng = random.Random(4)
    for _ in range(50):
        arrivals = [env(s) for s in range(1, 41)] * 2  # every event twice (local + echo)
        rng.shuffle(arrivals)
        seq = Sequencer()
        seq.start(0)
        out = [e.seq for a in arrivals for e in seq.offer(a)]
        assert out == list(range(1, 41))


def test_needs_snapshot():
    assert not core.needs_snapshot(since=5, latest=5, oldest_kept=1)
    assert not core.needs_snapshot(since=0, latest=5, oldest_kept=1)
    assert not core.needs_snapshot(since=3, latest=9, oldest_kept=4)
    assert core.needs_snapshot(since=2, latest=9, oldest_kept=4)  # 3 was pruned
    assert core.needs_snapshot(since=12, latest=9, oldest_kept=4)  # never handed out
    assert core.needs_snapshot(since=2, latest=9, oldest_kept=None)
    assert not core.needs_snapshot(since=0, latest=0, oldest_kept=None)


def test_envelopes_round_trip_and_render_once():
    rendered = core.render(7, 42, None, "task.updated", {"task": {"id": 3, "title": "ü"}})
    assert json.loads(rendered.frame) == {"type": "event", "seq": 42, "name": "task.updated", "data": {"task": {"id": 3, "title": "ü"}}}
    assert core.decode_envelope(core.encode_envelope(rendered)) == rendered
    user_event = core.render(7, 43, 9, "timer.started", {"timer": None})
    assert core.decode_envelope(core.encode_envelope(user_event).decode()) == user_event
    for junk in (b"", b"no newline", b"1 2\n{}", b"a b c\n{}"):
        with pytest.raises(InvalidInput):
            core.decode_envelope(junk)


def test_renewal_notice_comes_ahead_of_expiry_but_not_at_once():
    assert core.renewal_notice_at(expires_at=1000, now=0) == 940
    assert core.renewal_notice_at(expires_at=1000, now=960) == 990
    assert core.renewal_notice_at(expires_at=1000, now=1200) == 1000


def test_client_messages():
    assert core.parse_client_message({"type": "ping"}).type == "ping"
    assert core.parse_client_message({"type": "auth", "token": "t"}).token == "t"
    for bad in ({"type": "auth"}, {"type": "hello"}, [], "ping"):
        with pytest.raises(InvalidInput):
            core.parse_client_message(bad)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_the_live_core_does_no_io_and_redis_has_one_importer():
    bridge = Path(core.__file__).resolve().parents[1]
    allowed = set(sys.stdlib_module_names) | {"bridge"}
    outside = {name for name in _imports(Path(core.__file__)) if name.split(".")[0] not in allowed}
    assert not outside, outside
    assert not {"asyncio", "socket", "aiohttp"} & {name.split(".")[0] for name in _imports(Path(core.__file__))}
    importers = sorted(
        str(path.relative_to(bridge)) for path in bridge.rglob("*.py") if any(n.split(".")[0] == "redis" for n in _imports(path))
    )
    assert importers == ["live/redis_fanout.py"]


def test_the_live_additions_are_in_the_shared_protocol():
    from bridge.core import protocol

    assert core.AUTH in protocol.MESSAGE_TYPES
    assert {core.TOKEN_EXPIRING, "unavailable", "token_expired", "forbidden"} <= set(protocol.ERROR_CODES)
