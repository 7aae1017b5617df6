"""The daemon every browser of this person talks to: requests, pushes, today's state.

``agent.run.serve`` builds one ``Daemon`` and hands it each native host's connection
(``serve_port``); the ``RelayLink`` and the ``Forwarder`` report to it through their
listener methods. Requests follow extension/lib/agent_protocol.md:
state-changing ops are written to the outbox before anything else happens and answered
with the relay's result, or ``queued`` when the relay cannot be reached in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import deque
from typing import Any

from agent import __version__
from agent.command import Command
from agent.config import AgentConfig
from agent.credentials import Credentials, StoredLogin
from agent.errors import AgentError, NotLoggedIn, RelayUnreachable
from agent.forwarder import Forwarder
from agent.framing import FrameProblem
from agent.ipc import peer_is_this_user, read_message, write_message
from agent.link import RelayLink
from agent.outbox import DuplicateCommand, Outbox
from agent.relay_client import Answer
from agent.replay import Verdict, stamped_body
from agent.routes import Route, route_for
from agent.state import TodayState
from bridge.core.errors import InvalidInput, TaskclockError

log = logging.getLogger("taskclock.agent")

#: How long a browser waits for the relay's answer before it gets ``queued``.
ANSWER_WAIT = 5.0
#: Events kept in memory for browsers that reconnect with ``since``.
EVENT_MEMORY = 2000


def error(request_id: Any, code: str, message: str, **extra: Any) -> dict[str, Any]:
    """A failed response in the protocol's shape."""
    return {"id": request_id, "ok": False, "error": {"code": code, "message": message, **extra}}


def success(request_id: Any, result: Any) -> dict[str, Any]:
    return {"id": request_id, "ok": True, "result": result}


class BrowserPort:
    """One connected native host; pushes reach it only after its ``hello``."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.subscribed = False
        #: The last event seq this browser has; older events are not sent again.
        self.seq = 0

    def send(self, message: dict[str, Any]) -> None:
        if self.writer.is_closing():
            return
        try:
            write_message(self.writer, message)
        except (ConnectionError, RuntimeError, AgentError) as exc:
            log.debug("dropping message to a closed port: %s", exc)


class Daemon:
    """Holds today's state, the browsers, the link and the outbox sender."""

    def __init__(self, config: AgentConfig, credentials: Credentials, outbox: Outbox, *, max_backoff: float) -> None:
        self.config = config
        self.credentials = credentials
        self.outbox = outbox
        self.link = RelayLink(credentials, self, max_backoff=max_backoff)
        self.forwarder = Forwarder(outbox, self.link, self, max_backoff=max_backoff)
        self.today = TodayState()
        self.ports: set[BrowserPort] = set()
        self.events: deque[dict[str, Any]] = deque(maxlen=EVENT_MEMORY)
        #: Commands not yet in ``today``'s base: waiting, or answered but not re-read.
        self.unconfirmed: dict[str, Command] = {}
        self.confirmed: set[str] = set()
        self.waiters: dict[str, asyncio.Future[dict[str, Any] | None]] = {}
        self.task_views: dict[tuple[str, str], dict[str, Any]] = {}
        self._refreshing: asyncio.Task[None] | None = None
        self._refresh_again = False
        self._stored_login: StoredLogin | None = None
        self.last_rejected: dict[str, Any] | None = None

    # -- what the browsers see ---------------------------------------------------------

    def login(self) -> StoredLogin | None:
        """The current login: the link's, or the keyring's when the link has none yet."""
        if self.link.login is not None:
            return self.link.login
        if self._stored_login is None:
            with contextlib.suppress(TaskclockError):
                self._stored_login = self.credentials.load_login()
        return self._stored_login

    def status(self) -> dict[str, Any]:
        login = self.login()
        return {
            "relay": login.relay if login else None, "tenant": login.tenant if login else None,
            "username": login.username if login else None,
            # A stored login counts until the relay refuses it (then the link says signed_out).
            "signed_in": login is not None and self.link.state != "signed_out",
            "connected": self.link.online.is_set(), "live": self.link.live,
            "live_sessions": self.link.live_sessions,
            "state": self.link.state, "detail": self.link.detail,
            "outbox": self.outbox.count(login.account) if login else 0, "seq": self.link.last_seq,
            "clock_offset": round(self.link.clock.offset, 3) if self.link.clock.known else None,
            "last_rejected": self.last_rejected,
        }

    def push_status(self) -> None:
        status = self.status()
        self.broadcast({"type": "status", "connected": status["connected"], "signed_in": status["signed_in"],
                        "outbox": status["outbox"]})

    def broadcast(self, message: dict[str, Any]) -> None:
        seq = message.get("seq") if message.get("type") == "event" else None
        for port in list(self.ports):
            if not port.subscribed:
                continue
            if isinstance(seq, int):
                if seq <= port.seq:
                    continue
                port.seq = seq
            port.send(message)

    def today_view(self) -> dict[str, Any] | None:
        pending = [(command, self.link.clock.relay_time(command.accepted_at)) for command in self.unconfirmed.values()]
        return self.today.view(pending)

    # -- LinkListener ------------------------------------------------------------------

    def on_connection(self, state: str, detail: str | None) -> None:
        if state == "online":
            self.forwarder.kick()
        if state != "online":
            self._release_waiters()
        self.push_status()

    def on_today(self, today: dict[str, Any]) -> None:
        self.today.set_base(today)
        for key in self.confirmed:
            self.unconfirmed.pop(key, None)
        self.confirmed.clear()

    def saved_seq(self, account: str) -> int:
        return self.outbox.cursor(account)

    def on_live(self, message: dict[str, Any]) -> None:
        login = self.link.login
        if login is not None and isinstance(message.get("seq"), int):
            self.outbox.save_cursor(login.account, self.link.last_seq)
        if message.get("type") == "event":
            self.events.append(message)
            self.refresh_today_soon()
        elif isinstance(message.get("state"), dict):
            self.on_today(message["state"])  # a snapshot carries /today
        self.broadcast(message)

    # -- ForwardListener ---------------------------------------------------------------

    def on_settled(self, command: Command, answer: Answer, outcome: Verdict) -> None:
        waiter = self.waiters.pop(command.key, None)
        if waiter is not None and not waiter.done():
            waiter.set_result({"ok": True, "result": answer.body} if outcome is Verdict.DONE
                              else {"ok": False, "error": answer.error})
        if outcome is Verdict.DONE:
            self.confirmed.add(command.key)  # dropped from the view once /today includes it
        else:
            self.unconfirmed.pop(command.key, None)
            # Shown by `status`: a change the browser saw as queued that the relay refused.
            self.last_rejected = {"op": command.op, "idempotency_key": command.key, "error": answer.error}
        self.refresh_today_soon()
        self.push_status()

    def on_stalled(self, reason: str) -> None:
        self._release_waiters()
        self.push_status()

    def _release_waiters(self) -> None:
        """Answer every waiting browser ``queued``: the relay will not answer soon."""
        for waiter in self.waiters.values():
            if not waiter.done():
                waiter.set_result(None)
        self.waiters.clear()

    async def stop_background(self) -> None:
        """Cancel the background re-read of ``/today``; call before closing the link."""
        if self._refreshing is not None and not self._refreshing.done():
            self._refreshing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refreshing

    # -- today's state -------------------------------------------------------------------

    async def _settle_refresh(self, limit: float = 2.0) -> None:
        """Wait (briefly) for a re-read of ``/today`` already under way, e.g. after an event."""
        refreshing = self._refreshing
        if refreshing is not None and not refreshing.done():
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(refreshing), limit)

    def refresh_today_soon(self) -> None:
        """Re-read ``/today`` once now and once more if asked again meanwhile."""
        if self._refreshing is not None and not self._refreshing.done():
            self._refresh_again = True
            return
        self._refreshing = asyncio.get_running_loop().create_task(self._refresh_today())

    async def _refresh_today(self) -> None:
        while True:
            self._refresh_again = False
            client = self.link.client
            if client is None or client.access_token is None:
                return
            settled = set(self.confirmed)
            with contextlib.suppress(RelayUnreachable):
                answer = await client.call("GET", "/today")
                if answer.ok:
                    self.today.set_base(answer.body)
                    for key in settled:
                        self.unconfirmed.pop(key, None)
                    self.confirmed -= settled
            if not self._refresh_again:
                return

    # -- requests ------------------------------------------------------------------------

    async def serve_port(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One native host's connection: read requests until it goes away."""
        if not peer_is_this_user(writer):
            log.warning("refused a connection from another OS user")
            writer.close()
            return
        port = BrowserPort(writer)
        self.ports.add(port)
        tasks: set[asyncio.Task[None]] = set()
        try:
            while (message := await read_message(reader)) is not None:
                if isinstance(message, FrameProblem):
                    port.send(message.as_error())
                    continue
                task = self.accept(port, message)
                if task is not None:
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
        except (ConnectionError, AgentError) as exc:
            log.info("native host connection ended: %s", exc)
        finally:
            self.ports.discard(port)
            writer.close()

    def accept(self, port: BrowserPort, request: Any) -> asyncio.Task[None] | None:
        """Take one request; queued ops reach the outbox before this returns."""
        request_id = request.get("id") if isinstance(request, dict) else None
        try:
            op, args = _envelope(request)
            if op == "hello":
                self._hello(port, request_id, args)
                return None
            if op == "status":
                port.send(success(request_id, self.status()))
                return None
            route = route_for(op, args)
            if route.queued:
                command = self._enqueue(route, request.get("idempotency_key"))
                return asyncio.get_running_loop().create_task(self._answer_queued(port, request_id, command))
        except TaskclockError as exc:
            port.send({"id": request_id, "ok": False, "error": exc.to_dict()})
            return None
        return asyncio.get_running_loop().create_task(self._answer_read(port, request_id, route))

    def _hello(self, port: BrowserPort, request_id: Any, args: dict[str, Any]) -> None:
        status = self.status()
        client = self.link.client
        port.send(success(request_id, {
            "agent": "taskclock-agent", "version": __version__, "protocol": 1, "relay": status["relay"],
            "tenant": status["tenant"], "signed_in": status["signed_in"], "connected": status["connected"],
            "user": client.user if client else None, "seq": self.link.last_seq,
        }))
        since = args.get("since")
        if isinstance(since, int) and not isinstance(since, bool) and since >= 0:
            self._catch_up(port, since)
            port.seq = max(since, port.seq)
        port.subscribed = True

    def _catch_up(self, port: BrowserPort, since: int) -> None:
        oldest = self.events[0]["seq"] if self.events else self.link.last_seq + 1
        if since + 1 < oldest and since < self.link.last_seq:
            port.send({"type": "snapshot", "seq": self.link.last_seq, "state": self.today_view()})
            return
        for event in self.events:
            if int(event.get("seq", 0)) > since:
                port.send(event)
                port.seq = int(event["seq"])

    def _enqueue(self, route: Route, key: Any) -> Command:
        login = self.login()
        if login is None:
            raise NotLoggedIn("the agent is not signed in: run `taskclock agent login`")
        if not isinstance(key, str) or not 8 <= len(key) <= 200:
            key = str(uuid.uuid4())
        accepted_at = time.time()
        body = stamped_body(route.op, route.body, accepted_at, self.link.clock)
        command = Command(key=key, account=login.account, op=route.op, method=route.method, path=route.path,
                          body=body, accepted_at=accepted_at)
        try:
            command = self.outbox.append(command)
        except DuplicateCommand:
            # The browser sent the same click again (its port was re-opened): the first
            # copy is still waiting and will be sent once; answer this one like it.
            return self.unconfirmed.get(key, command)
        self.unconfirmed[command.key] = command
        if self.link.online.is_set():
            self.waiters[command.key] = asyncio.get_running_loop().create_future()
        else:
            self.link.poke()
        self.forwarder.kick()
        self.push_status()
        return command

    async def _answer_queued(self, port: BrowserPort, request_id: Any, command: Command) -> None:
        waiter = self.waiters.get(command.key)
        outcome = None
        if waiter is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                outcome = await asyncio.wait_for(asyncio.shield(waiter), ANSWER_WAIT)
        if outcome is None:
            port.send({"id": request_id, "ok": True, "queued": True, "result": None})
        else:
            port.send({"id": request_id, **outcome})

    async def _answer_read(self, port: BrowserPort, request_id: Any, route: Route) -> None:
        if route.op == "today":
            await self._settle_refresh()
            if (view := self.today_view()) is not None:
                port.send(success(request_id, view))
                return
        try:
            port.send(await self._read_through(request_id, route))
        except RelayUnreachable as exc:
            cached = self._cached_resolve(route) if route.op == "resolve" else None
            port.send(success(request_id, cached) if cached else error(request_id, "relay_unavailable", exc.message))

    async def _read_through(self, request_id: Any, route: Route) -> dict[str, Any]:
        client = self.link.client
        if client is None:
            raise RelayUnreachable("the agent is not connected to the relay yet")
        answer = await client.call(route.method, route.path, body=route.body, query=route.query)
        if answer.status == 401:
            with contextlib.suppress(TaskclockError):
                client = await self.link.reauthenticate()
                answer = await client.call(route.method, route.path, body=route.body, query=route.query)
        if not answer.ok:
            if answer.status >= 500:
                raise RelayUnreachable(f"the relay failed (HTTP {answer.status})")
            return error(request_id, **{"code": "error", "message": "relay error", **answer.error})
        if route.op == "resolve":
            self._remember_tasks(route, answer.body)
        return success(request_id, answer.body)

    def _remember_tasks(self, route: Route, body: dict[str, Any]) -> None:
        asked = (route.body or {}).get("items") or []
        for page_task, view in zip(asked, body.get("items") or [], strict=False):
            if isinstance(page_task, dict) and isinstance(view, dict):
                self.task_views[(str(page_task.get("source")), str(page_task.get("external_id")))] = view

    def _cached_resolve(self, route: Route) -> dict[str, Any] | None:
        items = []
        for page_task in (route.body or {}).get("items") or []:
            view = self.task_views.get((str(page_task.get("source")), str(page_task.get("external_id"))))
            if view is None:
                return None
            items.append(view)
        return {"items": items, "cached": True}


def _envelope(request: Any) -> tuple[str, dict[str, Any]]:
    if not isinstance(request, dict) or not isinstance(request.get("op"), str):
        raise InvalidInput("a request is an object with an op", code="bad_request")
    args = request.get("args") or {}
    if not isinstance(args, dict):
        raise InvalidInput("args must be an object", code="bad_request")
    return request["op"], args
