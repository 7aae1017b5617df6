"""One socket's bounded queue, without a network."""

from __future__ import annotations

import asyncio

from bridge.live.sockets import Close, LiveSocket


async def test_backlog_merges_after_catch_up_without_repeats():
    sock = LiveSocket(1, 1, False, limit=10)
    sent: list[str] = []
    for seq in (4, 5, 6):
        sock.push(seq, f"e{seq}".encode())
    sock.go_live(replayed_upto=5)
    sock.push(7, b"e7")
    sock.send(Close(1000, "bye"))
    closed: list[Close] = []

    async def close(item: Close) -> None:
        closed.append(item)

    async def send(frame: str) -> None:
        sent.append(frame)

    await asyncio.wait_for(sock.run(send, close), 1)
    assert sent == [b"e6", b"e7"] and closed == [Close(1000, "bye")]


async def test_a_reader_that_stops_overflows_once_and_queues_nothing_more():
    sock = LiveSocket(1, 1, False, limit=3)
    sock.go_live(0)
    dropped: list[bool] = []
    sock.on_overflow(lambda: dropped.append(True))
    for seq in range(1, 10):
        sock.push(seq, b"x")
    assert sock.overflowed and dropped == [True] and sock.queued == 0


async def test_overflow_during_catch_up_is_detected_too():
    sock = LiveSocket(1, 1, False, limit=2)
    dropped: list[bool] = []
    sock.on_overflow(lambda: dropped.append(True))
    for seq in range(1, 5):
        sock.push(seq, b"x")
    assert dropped == [True]
