"""A live-socket client for tests, over any aiohttp client (TestClient or ClientSession).

``sock = await Live.open(client, "/api/v1/acme/live", token, since=0)`` sends the hello;
``await sock.welcome()`` reads up to the welcome; ``await sock.next()`` returns the next
frame; ``await sock.events(n)`` the next ``n`` event frames; ``await sock.quiet()``
asserts nothing arrives for a moment. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp


class Closed(Exception):
    """The relay closed the socket; ``code`` says why."""

    def __init__(self, code: int | None) -> None:
        super().__init__(f"socket closed with code {code}")
        self.code = code


class Live:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.seen: list[dict[str, Any]] = []

    @classmethod
    async def open(
        cls, client: Any, path: str, token: str | None, since: int = 0, subscribe: list[str] | None = None
    ) -> Live:
        ws = await client.ws_connect(path, autoping=True, heartbeat=None)
        sock = cls(ws)
        if token is not None:
            hello: dict[str, Any] = {"type": "hello", "token": token, "since": since}
            if subscribe is not None:
                hello["subscribe"] = subscribe
            await sock.send(hello)
        return sock

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send_str(json.dumps(message))

    async def next(self, timeout: float = 5.0) -> dict[str, Any]:
        message = await self.ws.receive(timeout=timeout)
        if message.type == aiohttp.WSMsgType.CLOSE:
            raise Closed(message.data)
        if message.type in (aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
            raise Closed(self.ws.close_code)
        if message.type == aiohttp.WSMsgType.ERROR:
            raise Closed(None)
        frame = json.loads(message.data)
        self.seen.append(frame)
        return frame

    async def welcome(self, timeout: float = 5.0) -> dict[str, Any]:
        """Read frames up to and including the welcome; returns it."""
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.next(timeout)
                if frame["type"] == "welcome":
                    return frame

    async def events(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The next ``count`` event frames (other frames are kept in ``seen`` only)."""
        found: list[dict[str, Any]] = []
        async with asyncio.timeout(timeout):
            while len(found) < count:
                frame = await self.next(timeout)
                if frame["type"] == "event":
                    found.append(frame)
        return found

    async def until(self, predicate: Any, timeout: float = 5.0) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.next(timeout)
                if predicate(frame):
                    return frame

    async def quiet(self, seconds: float = 0.3) -> None:
        """Assert no frame arrives within ``seconds``."""
        try:
            frame = await self.next(timeout=seconds)
        except (asyncio.TimeoutError, TimeoutError):
            return
        raise AssertionError(f"expected silence, got {frame}")

    async def closed_with(self, timeout: float = 5.0) -> int | None:
        """Read until the relay closes the socket; returns the close code."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    await self.next(timeout)
        except Closed as closed:
            return closed.code

    async def close(self) -> None:
        await self.ws.close()
