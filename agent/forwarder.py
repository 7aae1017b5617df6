"""The outbox sender: forwards accepted commands to the relay, in order, once each.

Create one ``Forwarder`` in the daemon and run ``run()`` as a task; call ``kick()``
after each ``Outbox.append``. It waits until the link is online, sends the oldest
command first, exactly as stored, with its Idempotency-Key, removes it
once the relay answered, and on a network failure stops and waits, so that nothing
overtakes a command that has not gone through. The decisions are ``agent.replay``'s.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from agent.backoff import Backoff
from agent.command import Command
from agent.errors import RelayUnreachable
from agent.link import RelayLink
from agent.outbox import Outbox
from agent.relay_client import Answer
from agent.replay import Verdict, verdict
from bridge.core.errors import TaskclockError

log = logging.getLogger("taskclock.agent.forwarder")


class ForwardListener(Protocol):
    """What the daemon does when a command is settled or the queue stalls."""

    def on_settled(self, command: Command, answer: Answer, outcome: Verdict) -> None: ...
    def on_stalled(self, reason: str) -> None: ...


class Forwarder:
    """Drains the outbox whenever the link is online."""

    def __init__(self, outbox: Outbox, link: RelayLink, listener: ForwardListener, *,
                 max_backoff: float = 10.0) -> None:
        self._outbox = outbox
        self._link = link
        self._listener = listener
        self._work = asyncio.Event()
        self._backoff = Backoff(maximum=max_backoff)

    def kick(self) -> None:
        """Call after appending a command (or when a retry may now succeed)."""
        self._work.set()

    async def run(self) -> None:
        """Forward for ever; cancel the task to stop (the outbox keeps what is left)."""
        while True:
            await self._link.online.wait()
            self._work.clear()
            try:
                drained = await self._drain()
            except Exception:  # noqa: BLE001 - keep forwarding; the rows stay in the outbox
                log.exception("unexpected failure while forwarding")
                drained = False
            if drained:
                self._backoff.reset()
                await self._work.wait()
            else:
                await asyncio.sleep(self._backoff.next_delay())

    async def _drain(self) -> bool:
        """Send what waits, oldest first; ``True`` when the outbox is empty afterwards."""
        login = self._link.login
        if login is None:
            return True
        for command in self._outbox.pending(login.account):
            if await self._forward(command) is Verdict.RETRY:
                return False
        return True

    async def _forward(self, command: Command) -> Verdict:
        for attempt in (1, 2):
            client = self._link.client
            if client is None:
                return self._stall(command, "not connected")
            try:
                answer = await client.call(command.method, command.path, body=command.body,
                                           idempotency_key=command.key)
            except RelayUnreachable as exc:
                return self._stall(command, exc.message)
            outcome = verdict(answer.status, str(answer.error.get("code")) if not answer.ok else None)
            if outcome is Verdict.REAUTH and attempt == 1:
                try:
                    await self._link.reauthenticate()
                except TaskclockError as exc:
                    return self._stall(command, exc.message)
                continue
            if outcome in (Verdict.DONE, Verdict.REJECTED):
                self._outbox.remove(command.key)
                if outcome is Verdict.REJECTED:
                    log.warning("relay refused %s %s: %s", command.op, command.key, answer.error)
                self._listener.on_settled(command, answer, outcome)
                return outcome
            return self._stall(command, f"HTTP {answer.status} {answer.error.get('code')}")
        return Verdict.RETRY  # pragma: no cover - the loop always returns

    def _stall(self, command: Command, reason: str) -> Verdict:
        self._outbox.record_attempt(command.key, reason)
        self._listener.on_stalled(reason)
        self._link.poke()
        return Verdict.RETRY
