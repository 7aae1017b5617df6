"""Closed-loop HTTP load for benchmarks 2 (command acknowledgement) and 5 (month view).

Run through ``commands.in_load_process``. ``sequential_*`` send one request at a time
and return each latency in seconds; ``saturate_*`` keep ``concurrency`` requests in
flight for ``seconds`` and return (answered with 2xx, failed, elapsed seconds).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from bench.commands import TimerOrders

Call = Callable[[int], Awaitable[bool]]


async def _sequential(call: Call, count: int) -> list[float]:
    latencies = []
    for n in range(count):
        began = time.monotonic()
        if await call(n):
            latencies.append(time.monotonic() - began)
    return latencies


async def _saturate(call: Call, seconds: float, concurrency: int) -> tuple[int, int, float]:
    done = failed = 0
    began = time.monotonic()
    stop_at = began + seconds

    async def worker(lane: int) -> None:
        nonlocal done, failed
        n = lane
        while time.monotonic() < stop_at:
            if await call(n):
                done += 1
            else:
                failed += 1
            n += concurrency

    await asyncio.gather(*(worker(lane) for lane in range(concurrency)))
    return done, failed, time.monotonic() - began


def _relay_call(session: Any, base_url: str, tenant: str, task_id: int, tokens: dict[int, str]) -> Call:
    """The n-th call toggles user n mod len(users): each user alternates start and stop."""
    orders = TimerOrders(session, base_url, tenant, task_id, tokens)
    users = list(tokens)

    async def call(n: int) -> bool:
        _user, _sent, _answered, status = await orders.toggle(users[n % len(users)])
        return status == 200

    return call


def _insert_call(session: Any, url: str) -> Call:
    async def call(n: int) -> bool:
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        async with session.post(f"{url}/insert", json={"task_id": 1, "n": n}, headers=headers) as answer:
            await answer.read()
            return answer.status == 200

    return call


async def _with_session(make: Callable[[Any], Call], work: Callable[[Call], Awaitable[Any]]) -> Any:
    import aiohttp

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256)) as session:
        return await work(make(session))


def relay_commands(base_url: str, tenant: str, task_id: int, tokens: dict[int, str], count: int, seconds: float, concurrency: int) -> tuple[list[float], tuple[int, int, float]]:
    """Benchmark 2 on the relay: ``count`` sequential commands, then saturation."""
    async def run() -> tuple[list[float], tuple[int, int, float]]:
        make = lambda session: _relay_call(session, base_url, tenant, task_id, tokens)
        latencies = await _with_session(make, lambda call: _sequential(call, count))
        return latencies, await _with_session(make, lambda call: _saturate(call, seconds, concurrency))

    return asyncio.run(run())


def baseline_inserts(url: str, count: int, seconds: float, concurrency: int) -> tuple[list[float], tuple[int, int, float]]:
    """Benchmark 2 on the baseline: the same, each request one SQLite WAL insert."""
    async def run() -> tuple[list[float], tuple[int, int, float]]:
        make = lambda session: _insert_call(session, url)
        latencies = await _with_session(make, lambda call: _sequential(call, count))
        return latencies, await _with_session(make, lambda call: _saturate(call, seconds, concurrency))

    return asyncio.run(run())


def month_views(url: str, headers: dict[str, str], count: int) -> list[float]:
    """Benchmark 5: ``count`` sequential GETs of ``url`` (relay or baseline)."""
    async def run() -> list[float]:
        import aiohttp

        async with aiohttp.ClientSession(headers=headers) as session:
            async def call(_n: int) -> bool:
                async with session.get(url) as answer:
                    await answer.read()
                    return answer.status == 200

            await _sequential(call, 5)  # warm-up: first-request costs are not the month view's
            return await _sequential(call, count)

    return asyncio.run(run())
