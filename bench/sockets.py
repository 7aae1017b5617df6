"""Websocket load: processes that each hold a share of the sockets.

Start with ``SocketFleet(url, plans, processes).start()``; then call ``connect()``,
``record(True)``, ``collect()``, ``storm(...)``, ``close()`` from the parent. Each
process is pinned to the load cores, raises its open-files limit, and binds its
sockets to its own source addresses 127.0.0.x so no address runs out of ephemeral
ports. Times are ``time.monotonic()`` (system-wide on Linux, so comparable across
processes).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Self

from bench import machine

#: Sockets per source address (well under the ~28,000 ephemeral ports of one).
SOCKETS_PER_SOURCE = 5000
#: How many handshakes one process keeps in flight.
CONNECT_CONCURRENCY = 100


@dataclass
class Client:
    """One websocket and what it saw."""

    user: int
    token: str
    source: str
    ws: Any = None
    reader: asyncio.Task[None] | None = None
    last_seq: int = 0
    since: int = 0
    caught_up_at: float = 0.0
    waiting_for: str = ""


@dataclass
class Loader:
    """The sockets of one load process."""

    url: str
    clients: list[Client]
    #: Offer permessage-deflate as browsers do (False: plain frames, for comparison).
    deflate: bool = True
    recording: bool = False
    records: list[tuple[int, int, str, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    async def connect_all(self, concurrency: int, within: float | None = None) -> dict[str, Any]:
        """Open every socket (hello, wait for welcome); report counts and errors.

        With ``within``, handshakes still pending after that many seconds are cancelled
        and the sockets open by then are reported.
        """
        gate = asyncio.Semaphore(concurrency)
        began = time.monotonic()
        opening = asyncio.gather(*(self._open(client, gate) for client in self.clients))
        try:
            results = await asyncio.wait_for(opening, within)
        except TimeoutError:
            self.errors.insert(0, f"gave up after {within:.0f} s")
            connected = self.open_count()
            return {"connected": connected, "failed": 0, "seconds": time.monotonic() - began, "errors": self.errors[:5]}
        return {"connected": sum(results), "failed": len(results) - sum(results), "seconds": time.monotonic() - began,
                "errors": self.errors[:5]}

    async def _open(self, client: Client, gate: asyncio.Semaphore) -> bool:
        import websockets

        async with gate:
            try:
                client.ws = await websockets.connect(
                    self.url, local_addr=(client.source, 0), ping_interval=None, open_timeout=120, close_timeout=2,
                    max_queue=None, compression="deflate" if self.deflate else None,
                )
                await client.ws.send(json.dumps({"type": "hello", "token": client.token, "since": client.since}))
                welcome = json.loads(await asyncio.wait_for(client.ws.recv(), 120))
                if welcome.get("type") != "welcome":
                    raise RuntimeError(f"expected welcome, got {welcome}")
                client.last_seq = max(client.last_seq, int(welcome["seq"]) if not client.waiting_for else client.last_seq)
            except Exception as exc:  # noqa: BLE001 - counted and reported: a benchmark never stops on one socket
                self.errors.append(f"{type(exc).__name__}: {exc}"[:200])
                return False
        client.reader = asyncio.create_task(self._read(client))
        return True

    async def _read(self, client: Client) -> None:
        try:
            async for message in client.ws:
                now = time.monotonic()
                data = json.loads(message)
                if data.get("type") != "event":
                    continue
                seq, name = int(data["seq"]), data["name"]
                client.last_seq = max(client.last_seq, seq)
                if self.recording:
                    self.records.append((client.user, seq, name, now))
                if client.waiting_for == name and seq > client.since and not client.caught_up_at:
                    client.caught_up_at = now
        except Exception:  # noqa: BLE001 - closed or reset: the socket is done
            return

    def drop_all(self) -> None:
        """Cut every socket without a close handshake (what a network drop looks like)."""
        for client in self.clients:
            if client.reader is not None:
                client.reader.cancel()
            if client.ws is not None and client.ws.transport is not None:
                client.ws.transport.abort()
            client.ws = None

    async def storm(self, waiting_for: str, concurrency: int, within: float) -> dict[str, Any]:
        """Reconnect every socket with since=its last seq; report when each caught up.

        Gives up ``within`` seconds after starting (handshakes still pending are
        cancelled), so a slow server cannot stretch the run.
        """
        for client in self.clients:
            client.since, client.caught_up_at, client.waiting_for = client.last_seq, 0.0, waiting_for
        stop_at = time.monotonic() + within
        connecting = asyncio.ensure_future(self.connect_all(concurrency))
        while time.monotonic() < stop_at:
            if connecting.done() and all(c.caught_up_at for c in self.clients if c.ws is not None):
                break
            await asyncio.sleep(0.05)
        if connecting.done():
            result = connecting.result()
        else:
            connecting.cancel()
            await asyncio.gather(connecting, return_exceptions=True)
            result = {"connected": self.open_count(), "failed": 0, "errors": ["gave up: not all reconnected in time"], "seconds": within}
        result["caught_up"] = [c.caught_up_at for c in self.clients if c.caught_up_at]
        for client in self.clients:
            client.waiting_for = ""
        return result

    async def close_all(self) -> None:
        for client in self.clients:
            if client.ws is not None:
                try:
                    await asyncio.wait_for(client.ws.close(), 2)
                except Exception:  # noqa: BLE001, S110 - closing is best effort; drop_all cuts the rest
                    pass
        self.drop_all()

    def open_count(self) -> int:
        return sum(1 for c in self.clients if c.ws is not None and c.reader is not None and not c.reader.done())


async def _serve(conn: Connection, loader: Loader) -> None:
    """Obey the parent's orders until ``close``."""
    loop = asyncio.get_running_loop()
    while True:
        order, argument = await loop.run_in_executor(None, conn.recv)
        if order == "connect":
            conn.send(await loader.connect_all(*argument))
        elif order == "record":
            loader.recording = bool(argument)
            loader.records = [] if argument else loader.records
            conn.send(True)
        elif order == "collect":
            conn.send(loader.records)
            loader.records = []
        elif order == "drop":
            loader.drop_all()
            await asyncio.sleep(0)
            conn.send(True)
        elif order == "storm":
            conn.send(await loader.storm(*argument))
        elif order == "count":
            conn.send(loader.open_count())
        elif order == "close":
            await loader.close_all()
            conn.send(True)
            return


def _process_main(conn: Connection, url: str, plans: list[tuple[int, str, str]], deflate: bool) -> None:
    machine.pin(machine.LOAD_CORES)
    machine.raise_file_limit()
    loader = Loader(url, [Client(user, token, source) for user, token, source in plans], deflate)
    asyncio.run(_serve(conn, loader))


class SocketFleet:
    """Several load processes sharing ``plans`` (one (user, token) per socket)."""

    def __init__(self, url: str, plans: list[tuple[int, str]], processes: int, first_source: int = 2, deflate: bool = True) -> None:
        self.url = url
        self.deflate = deflate
        self.shares: list[list[tuple[int, str, str]]] = [[] for _ in range(processes)]
        for index, (user, token) in enumerate(plans):
            source = f"127.0.0.{first_source + index // SOCKETS_PER_SOURCE}"
            self.shares[index % processes].append((user, token, source))
        self.pipes: list[Connection] = []
        self.processes: list[multiprocessing.Process] = []

    def start(self) -> SocketFleet:
        context = multiprocessing.get_context("spawn")
        for share in self.shares:
            parent, child = context.Pipe()
            process = context.Process(target=_process_main, args=(child, self.url, share, self.deflate), daemon=True)
            process.start()
            self.pipes.append(parent)
            self.processes.append(process)
        return self

    def ask(self, order: str, argument: Any = None, timeout: float = 300) -> list[Any]:
        """Send one order to every process and gather their answers."""
        for pipe in self.pipes:
            pipe.send((order, argument))
        answers = []
        for pipe in self.pipes:
            if not pipe.poll(timeout):
                raise TimeoutError(f"a load process did not answer {order!r} within {timeout}s")
            answers.append(pipe.recv())
        return answers

    def connect(self, concurrency: int = CONNECT_CONCURRENCY, within: float | None = None) -> dict[str, Any]:
        """Open every process's sockets; with ``within``, stop trying after that long."""
        answers = self.ask("connect", (concurrency, within), timeout=(within or 840) + 60)
        return {"connected": sum(a["connected"] for a in answers), "failed": sum(a["failed"] for a in answers),
                "seconds": max(a["seconds"] for a in answers), "errors": [e for a in answers for e in a["errors"]][:5]}

    def record(self, on: bool) -> None:
        self.ask("record", on)

    def collect(self) -> list[tuple[int, int, str, float]]:
        return [record for answer in self.ask("collect") for record in answer]

    def close(self) -> None:
        try:
            self.ask("close", timeout=60)
        except (TimeoutError, OSError, EOFError):
            pass
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()
