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


async def test_direct_writes_never_overtake_queued_frames():
    sock = LiveSocket(1, 1, False, limit=10)
    sock.go_live(0)
    wire: list[bytes] = []
    congested = [False]

    def write_now(frame: bytes) -> bool:
        if congested[0]:
            return False
        wire.append(frame)
        return True

    sock.write_directly(write_now)
    sock.push(1, b"1")  # straight to the wire, nothing queued
    assert wire == [b"1"] and sock.queued == 0
    congested[0] = True
    sock.push(2, b"2")  # congested: queued
    congested[0] = False
    sock.push(3, b"3")  # the transport has room again, but 2 waits: 3 must queue behind it
    assert wire == [b"1"] and sock.queued == 2

    async def send(frame: bytes) -> None:
        wire.append(frame)
        if frame == b"3":
            sock.send(Close(1000, "done"))

    async def close(_item: Close) -> None:
        return None

    await asyncio.wait_for(sock.run(send, close), 1)
    assert wire == [b"1", b"2", b"3"]


def test_text_frame_headers_follow_rfc_6455():
    from bridge.live.core import text_frame_header

    assert text_frame_header(0) == b"\x81\x00"
    assert text_frame_header(125) == b"\x81\x7d"
    assert text_frame_header(126) == b"\x81\x7e\x00\x7e"
    assert text_frame_header(65535) == b"\x81\x7e\xff\xff"
    assert text_frame_header(65536) == b"\x81\x7f" + (65536).to_bytes(8, "big")
