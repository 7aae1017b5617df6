"""A small WebDriver BiDi client over ``websockets``' threaded client.

Firefox ships no geckodriver here, so the tests speak BiDi themselves. Commands are
sent from the test's thread; a reader thread matches answers to waiting callers by id
and keeps events for :meth:`BiDi.events`. Only what the tests use is wrapped.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import Future
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect


class BiDiError(RuntimeError):
    """A BiDi command failed; the message carries Firefox's error code and text."""


class BiDi:
    """One BiDi session. Create with the ``ws://…/session`` address, then :meth:`new_session`."""

    def __init__(self, url: str) -> None:
        # Entered by hand: the socket outlives this call, and websockets >= 17 warns about
        # a bare connect() (older releases return the connection from __enter__ as well).
        self._ws: ClientConnection = connect(url, max_size=None, open_timeout=30).__enter__()
        self._lock = threading.Lock()
        self._next_id = 0
        self._pending: dict[int, Future[dict[str, Any]]] = {}
        self._events: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            for raw in self._ws:
                message = json.loads(raw)
                waiter = self._pending.pop(message.get("id", -1), None)
                if waiter is not None:
                    waiter.set_result(message)
                elif message.get("type") == "event":
                    self._events.append(message)
        except ConnectionClosed:
            pass
        finally:
            for waiter in list(self._pending.values()):
                if not waiter.done():
                    waiter.set_exception(BiDiError("connection to Firefox closed"))

    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 30) -> Any:
        """Run one command and return its ``result``; raise :class:`BiDiError` on error."""
        with self._lock:
            self._next_id += 1
            command_id = self._next_id
            waiter: Future[dict[str, Any]] = Future()
            self._pending[command_id] = waiter
        self._ws.send(json.dumps({"id": command_id, "method": method, "params": params or {}}))
        answer = waiter.result(timeout=timeout)
        if answer.get("type") == "error":
            raise BiDiError(f"{method}: {answer.get('error')}: {answer.get('message')}")
        return answer["result"]

    def events(self, method: str) -> list[dict[str, Any]]:
        """The params of every event named *method* received so far (after subscribing)."""
        return [e["params"] for e in list(self._events) if e.get("method") == method]

    def new_session(self) -> dict[str, Any]:
        """Start the session; certificates are not checked (the fixtures' are self-made)."""
        return self.send(
            "session.new",
            {"capabilities": {"alwaysMatch": {"acceptInsecureCerts": True}}},
        )

    def close(self) -> None:
        """Close the socket (after ``browser.close``, Firefox is already on its way out)."""
        self._ws.close()
