"""Command load: REST calls to the relay, and the same orders to the baselines.

Every function here runs inside a load process: call it through ``in_load_process``
(pinned to the load cores). Send times are ``time.monotonic()``, comparable with
the socket processes' receive times.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from bench import machine

#: How long after the last scheduled order a late one may still be sent.
LATE_ORDER_SECONDS = 10.0
#: (user id, send time, answer time, HTTP status or 0 for a transport error)
Sent = tuple[int, float, float, int]


def _pin() -> None:
    machine.pin(machine.LOAD_CORES)
    machine.raise_file_limit()


def in_load_process(function: Callable[..., Any], *args: Any) -> Any:
    """Run ``function(*args)`` (module level, picklable) in a fresh pinned process."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=_pin) as pool:
        return pool.submit(function, *args).result(timeout=600)


class TimerOrders:
    """Start/stop alternately per user against the relay's REST API."""

    def __init__(self, session: Any, base_url: str, tenant: str, task_id: int, tokens: dict[int, str]) -> None:
        self.session = session
        self.prefix = f"{base_url}/api/v1/{tenant}"
        self.task_id = task_id
        self.tokens = tokens
        self.running: dict[int, bool] = {user: False for user in tokens}

    async def toggle(self, user: int) -> Sent:
        """Start the user's timer if stopped, stop it if running; with an Idempotency-Key."""
        action = "stop" if self.running[user] else "start"
        body = {} if action == "stop" else {"task_id": self.task_id}
        return await self.post(user, f"/timer/{action}", body, flip=True)

    async def post(self, user: int, path: str, body: dict[str, Any], flip: bool = False) -> Sent:
        headers = {"Authorization": f"Bearer {self.tokens[user]}", "Idempotency-Key": uuid.uuid4().hex}
        sent = time.monotonic()
        try:
            async with self.session.post(self.prefix + path, json=body, headers=headers) as answer:
                await answer.read()
                status = answer.status
        except Exception:  # noqa: BLE001 - counted as a failed command
            status = 0
        if flip and status == 200:
            self.running[user] = not self.running[user]
        return user, sent, time.monotonic(), status


class TriggerOrders:
    """The baseline's equivalent: one trigger message per order, acknowledged."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.pending: dict[int, asyncio.Future[None]] = {}
        self.next_id = 0

    async def listen(self) -> None:
        async for message in self.ws:
            future = self.pending.pop(json.loads(message)["id"], None)
            if future is not None and not future.done():
                future.set_result(None)

    async def toggle(self, user: int | None, name: str = "timer.started") -> Sent:
        self.next_id += 1
        future = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = future
        sent = time.monotonic()
        await self.ws.send(json.dumps({"id": self.next_id, "user": user, "name": name}))
        await future
        return user or 0, sent, time.monotonic(), 200


async def _open_loop(toggle: Callable[[int], Awaitable[Sent]], users: list[int], rate: float, seconds: float) -> list[Sent]:
    """Orders at ``rate`` per second, round-robin over users, one at a time per user."""
    locks = {user: asyncio.Lock() for user in users}
    results: list[Sent] = []
    began = time.monotonic()
    # A server that cannot keep up must not stretch the run: orders still waiting for
    # their user's previous answer this long after the last was due are not sent.
    give_up_at = began + seconds + min(seconds, LATE_ORDER_SECONDS)

    async def one(user: int) -> None:
        async with locks[user]:  # the k-th answer of a user matches its k-th event
            if time.monotonic() < give_up_at:
                results.append(await toggle(user))

    tasks = []
    for n in range(int(rate * seconds)):
        delay = began + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(users[n % len(users)])))
    await asyncio.wait_for(asyncio.gather(*tasks), 180)
    return results


def relay_fanout(base_url: str, tenant: str, task_id: int, tokens: dict[int, str], rate: float, seconds: float) -> list[Sent]:
    """Benchmark 1's load on the relay: timer toggles at ``rate``/s."""
    async def run() -> list[Sent]:
        import aiohttp

        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=512)) as session:
            orders = TimerOrders(session, base_url, tenant, task_id, tokens)
            return await _open_loop(orders.toggle, list(tokens), rate, seconds)

    return asyncio.run(run())


async def _with_trigger(ws_url: str, work: Callable[[TriggerOrders], Awaitable[Any]]) -> Any:
    import websockets

    async with websockets.connect(ws_url, ping_interval=None, max_queue=None) as ws:
        await ws.send(json.dumps({"type": "trigger"}))
        orders = TriggerOrders(ws)
        listener = asyncio.create_task(orders.listen())
        try:
            return await work(orders)
        finally:
            listener.cancel()


def baseline_fanout(ws_url: str, users: list[int], rate: float, seconds: float) -> list[Sent]:
    """Benchmark 1's load on the baseline."""
    return asyncio.run(_with_trigger(ws_url, lambda orders: _open_loop(orders.toggle, users, rate, seconds)))


def baseline_broadcasts(ws_url: str, count: int, interval: float) -> list[Sent]:
    """Benchmark 6 on the baseline: ``count`` broadcasts to every socket."""
    async def work(orders: TriggerOrders) -> list[Sent]:
        sent = []
        for _ in range(count):
            sent.append(await orders.toggle(None, "task.updated"))
            await asyncio.sleep(interval)
        return sent

    return asyncio.run(_with_trigger(ws_url, work))


def baseline_one_each(ws_url: str, users: list[int]) -> int:
    """Benchmark 4 on the baseline: one event per user while the sockets are away."""
    async def work(orders: TriggerOrders) -> int:
        await asyncio.gather(*(orders.toggle(user) for user in users))
        return len(users)

    return asyncio.run(_with_trigger(ws_url, work))


def relay_broadcasts(base_url: str, tenant: str, task_id: int, owner: tuple[int, str], count: int, interval: float) -> list[Sent]:
    """Benchmark 6 on the relay: the owner flips the task's billable flag (task.updated
    goes to every socket of the tenant)."""
    async def run() -> list[Sent]:
        import aiohttp

        async with aiohttp.ClientSession() as session:
            sent = []
            for n in range(count):
                headers = {"Authorization": f"Bearer {owner[1]}", "Idempotency-Key": uuid.uuid4().hex}
                began = time.monotonic()
                async with session.patch(f"{base_url}/api/v1/{tenant}/tasks/{task_id}", json={"billable": n % 2 == 0}, headers=headers) as answer:
                    await answer.read()
                    sent.append((owner[0], began, time.monotonic(), answer.status))
                await asyncio.sleep(interval)
            return sent

    return asyncio.run(run())


def relay_one_each(base_url: str, tenant: str, task_id: int, tokens: dict[int, str]) -> list[Sent]:
    """Benchmark 4 on the relay: every user starts a timer while its sockets are away."""
    async def run() -> list[Sent]:
        import aiohttp

        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=32)) as session:
            orders = TimerOrders(session, base_url, tenant, task_id, tokens)
            return list(await asyncio.gather(*(orders.post(u, "/timer/start", {"task_id": task_id}) for u in tokens)))

    return asyncio.run(run())
