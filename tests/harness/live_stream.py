"""A client that rebuilds its state from the live stream while being disconnected at
random, and a random command generator: the "final state equals the server's" tests.

``consume(open_socket, model, stop, kicks)`` keeps a socket open (``open_socket(since)``
makes one), applies every frame to ``model``, and reconnects with ``since`` whenever
``kicks`` gets an item. ``random_command(rng, call, …)`` sends one command through
``call(method, path, json, key="")`` (the relay fixture's ``SignedIn.call`` signature).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any

from tests.harness.live_client import Closed, Live

Opener = Callable[[int], Awaitable[Live]]
Call = Callable[..., Awaitable[Any]]


class ClientModel:
    """What a client rebuilds from the stream: its timer, its entries, its attendance."""

    def __init__(self) -> None:
        self.timer: tuple[int, str] | None = None
        self.entries: dict[int, tuple[int, int, str]] = {}
        self.attendance = "out"
        self.last_seq = 0
        self.applied: list[int] = []

    def apply(self, frame: dict[str, Any]) -> None:
        if frame["type"] == "snapshot":
            raise AssertionError("the log keeps everything in this test: no snapshot expected")
        if frame["type"] != "event":
            return
        assert frame["seq"] > self.last_seq, ("replayed or out of order", frame["seq"], self.last_seq)
        self.last_seq = frame["seq"]
        self.applied.append(frame["seq"])
        name, data = frame["name"], frame["data"]
        if name in ("timer.started", "timer.paused", "timer.resumed"):
            self.timer = (data["timer"]["task_id"], data["timer"]["state"])
        elif name == "timer.stopped":
            self.timer = None
        elif name in ("entry.created", "entry.updated"):
            entry = data["entry"]
            self.entries[entry["id"]] = (entry["task_id"], entry["duration_seconds"], entry["notes"])
        elif name == "entry.deleted":
            self.entries.pop(data["entry"]["id"], None)
        elif name.startswith("attendance."):
            self.attendance = data["attendance"]["state"]


async def consume(open_socket: Opener, model: ClientModel, stop: asyncio.Event, kicks: asyncio.Queue[None]) -> int:
    """Stay connected, apply frames, drop the connection whenever kicked, reconnect
    with ``since``; returns how many connections it made. Ends when ``stop`` is set."""
    connections = 0
    while not stop.is_set():
        sock = await open_socket(model.last_seq)
        connections += 1
        reader = asyncio.ensure_future(_read_into(sock, model))
        kicked = asyncio.ensure_future(kicks.get())
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait({reader, kicked, stopped}, return_when=asyncio.FIRST_COMPLETED)
        for task in (reader, kicked, stopped):
            task.cancel()
        await sock.ws.close()
        if reader.done() and not reader.cancelled() and reader.exception():
            raise reader.exception()  # type: ignore[misc]
    return connections


async def _read_into(sock: Live, model: ClientModel) -> None:
    try:
        while True:
            model.apply(await sock.next(timeout=30))
    except Closed:
        return


async def random_command(rng: random.Random, call: Call, tasks: list[int], entry_ids: list[int], today: str) -> None:
    """One random command of a staff member's day (some fail with 409: that is fine)."""
    choice = rng.choice(["start", "start", "pause", "resume", "stop", "entry", "edit", "delete", "attendance"])
    if choice == "start":
        await call("POST", "/timer/start", {"task_id": rng.choice(tasks)}, key="")
    elif choice in ("pause", "resume", "stop"):
        await call("POST", f"/timer/{choice}", {}, key="")
    elif choice == "attendance":
        await call("POST", "/attendance/toggle", {}, key="")
    elif choice == "entry":
        body = {"task_id": rng.choice(tasks), "date": today, "duration_seconds": rng.randint(60, 600), "notes": f"n{rng.random():.4f}"}
        answer = await call("POST", "/entries", body, key="")
        if "entry" in answer:
            entry_ids.append(answer["entry"]["id"])
    elif entry_ids:
        entry_id = rng.choice(entry_ids)
        if choice == "edit":
            await call("PATCH", f"/entries/{entry_id}", {"duration_seconds": rng.randint(60, 900), "notes": "edited"}, key="")
        else:
            await call("DELETE", f"/entries/{entry_id}", key="")
            entry_ids.remove(entry_id)
