"""One socket's bounded queue and fast path, without a network."""

from __future__ import annotations

import asyncio

from bridge.live.core import text_frame_header
from bridge.live.sockets import Close, LiveSocket, Wire


class FakeClient:
    """Records what reaches the wire; ``congested`` refuses direct writes."""

    def __init__(self) -> None:
        self.wire: list[bytes] = []
        self.closed: list[Close] = []
        self.congested = False
        self.release = asyncio.Event()
        self.release.set()

    def write_now(self, frame: bytes) -> bool:
        if self.congested:
            return False
        self.wire.append(frame)
        return True

    async def send(self, frame: bytes) -> None:
        await self.release.wait()
        self.wire.append(frame)

    async def close(self, item: Close) -> None:
        self.closed.append(item)

    def as_wire(self, direct: bool = True) -> Wire:
        return Wire(self.send, self.close, self.write_now if direct else None)


async def _settle(sock: LiveSocket) -> None:
    async with asyncio.timeout(1):
        while sock.sending:
            await asyncio.sleep(0)


async def test_backlog_merges_after_catch_up_without_repeats():
    sock, client = LiveSocket(1, 1, False, limit=10), FakeClient()
    for seq in (4, 5, 6):
        sock.push(seq, f"e{seq}".encode())
    sock.attach(client.as_wire(direct=False))
    sock.go_live(replayed_upto=5)
    sock.push(7, b"e7")
    sock.send(Close(1000, "bye"))
    await _settle(sock)
    assert client.wire == [b"e6", b"e7"] and client.closed == [Close(1000, "bye")]
    sock.push(8, b"e8")  # closed: nothing more
    assert client.wire == [b"e6", b"e7"] and not sock.sending


async def test_an_idle_socket_holds_no_task_and_uncongested_pushes_write_directly():
    sock, client = LiveSocket(1, 1, False, limit=10), FakeClient()
    sock.attach(client.as_wire())
    sock.go_live(0)
    for seq in range(1, 4):
        sock.push(seq, str(seq).encode())
    sock.send(b"pong")
    assert client.wire == [b"1", b"2", b"3", b"pong"] and not sock.sending and sock.queued == 0


async def test_direct_writes_never_overtake_queued_frames():
    sock, client = LiveSocket(1, 1, False, limit=10), FakeClient()
    sock.attach(client.as_wire())
    sock.go_live(0)
    sock.push(1, b"1")
    client.congested, client.release = True, asyncio.Event()  # the transport is full
    sock.push(2, b"2")
    client.congested = False
    sock.push(3, b"3")  # room again, but 2 still waits: 3 must queue behind it
    assert client.wire == [b"1"] and sock.queued == 2 and sock.sending
    client.release.set()
    await _settle(sock)
    assert client.wire == [b"1", b"2", b"3"] and sock.queued == 0
    sock.push(4, b"4")  # drained: direct again
    assert client.wire[-1] == b"4" and not sock.sending


async def test_a_reader_that_stops_overflows_once_and_queues_nothing_more():
    sock, client = LiveSocket(1, 1, False, limit=3), FakeClient()
    client.congested, client.release = True, asyncio.Event()
    sock.attach(client.as_wire())
    sock.go_live(0)
    dropped: list[bool] = []
    sock.on_overflow(lambda: dropped.append(True))
    for seq in range(1, 10):
        sock.push(seq, b"x")
    assert sock.overflowed and dropped == [True] and sock.queued == 0
    await sock.detach()
    assert not sock.sending


async def test_overflow_during_catch_up_is_detected_too():
    sock = LiveSocket(1, 1, False, limit=2)
    dropped: list[bool] = []
    sock.on_overflow(lambda: dropped.append(True))
    for seq in range(1, 5):
        sock.push(seq, b"x")
    assert dropped == [True]


def test_text_frame_headers_follow_rfc_6455():
    assert text_frame_header(0) == b"\x81\x00"
    assert text_frame_header(125) == b"\x81\x7d"
    assert text_frame_header(126) == b"\x81\x7e\x00\x7e"
    assert text_frame_header(65535) == b"\x81\x7e\xff\xff"
    assert text_frame_header(65536) == b"\x81\x7f" + (65536).to_bytes(8, "big")


async def test_an_event_the_catch_up_replayed_is_not_sent_again_when_the_hub_routes_it_late():
    # The catch-up read the log before this relay's hub saw event 5 (a commit not yet
    # announced, or an event still on its way from another relay through Redis).
    sock, client = LiveSocket(1, 1, False, limit=10), FakeClient()
    sock.attach(client.as_wire())
    sock.go_live(replayed_upto=5)
    for seq in (4, 5, 6, 6, 7):
        sock.push(seq, f"e{seq}".encode())
    assert client.wire == [b"e6", b"e7"]
