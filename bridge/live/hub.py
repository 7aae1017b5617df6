"""The hub: this relay's live sockets by tenant and user, fed by the fan-out.

Created once per app (``bridge.app``'s ``_hub`` cleanup context), registered as the
database's commit listener. ``on_commit`` renders each committed event once and hands
it to the fan-out; whatever the fan-out delivers (``receive``) goes through the
tenant's ``Sequencer`` (order, no repeats) and is pushed to each recipient socket's
bounded queue. The websocket handler calls ``join``, then ``started`` after the
socket's catch-up, and ``leave`` when it ends.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from bridge.core.errors import TaskclockError
from bridge.live import core
from bridge.live.core import Envelope, Room, Sequencer
from bridge.live.fanout import FanOut
from bridge.live.sockets import Close, LiveSocket
from bridge.store import catchup
from bridge.store.database import Database
from bridge.store.database import CommittedEvent

log = logging.getLogger(__name__)

#: How long a hole in a tenant's sequence may stay open before the log is read.
GAP_WAIT_SECONDS = 0.05


class Unavailable(TaskclockError):
    """The hub cannot serve a socket right now; the client should reconnect."""

    code = "unavailable"


@dataclass
class Tenant:
    """One tenant's sockets on this relay and the order of its events."""

    room: Room[LiveSocket] = field(default_factory=Room)
    sequencer: Sequencer = field(default_factory=Sequencer)
    filling: asyncio.Task[None] | None = None
    #: Set once the sequencer knows where the log stood when the first socket joined.
    ready: asyncio.Event = field(default_factory=asyncio.Event)


class Hub:
    """Routes committed events to this relay's live sockets; see the module docstring."""

    def __init__(self, database: Database, fanout: FanOut, queue_limit: int, gap_wait: float = GAP_WAIT_SECONDS) -> None:
        self._database = database
        self._fanout = fanout
        self.queue_limit = queue_limit
        self._gap_wait = gap_wait
        self._tenants: dict[int, Tenant] = {}
        self._background: set[asyncio.Task[None]] = set()
        self.delivered_frames = 0

    async def start(self) -> None:
        """Start the fan-out; call once, before serving sockets."""
        await self._fanout.start(self.receive, self.resync)

    async def close_sockets(self, timeout: float = 5.0) -> None:
        """At shutdown: tell every socket to go away (1001) and wait, bounded, for them."""
        for tenant in self._tenants.values():
            for sock in list(tenant.room.everyone):
                sock.send(Close(1001, "relay shutting down; reconnect with since"))
        deadline = asyncio.get_running_loop().time() + timeout
        while self._tenants and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        """Stop the fan-out and the hub's own tasks; call after ``close_sockets``."""
        await self._fanout.close()
        for task in list(self._background):
            task.cancel()

    # ------------------------------------------------------------------ publishing

    async def on_commit(self, events: list[CommittedEvent]) -> None:
        """Commit listener: render each event once and publish it (after commit)."""
        envelopes = [core.render(e.tenant_id, e.seq, e.user_id, e.name, e.data) for e in events]
        await self._fanout.publish(envelopes)

    def receive(self, envelopes: list[Envelope]) -> None:
        """Deliver events from the fan-out (any relay's, any order, maybe twice)."""
        for envelope in envelopes:
            tenant = self._tenants.get(envelope.tenant_id)
            if tenant is None:
                continue  # nobody of that tenant listens here
            self._route(tenant, tenant.sequencer.offer(envelope))
            self._watch_gap(envelope.tenant_id, tenant)

    def _route(self, tenant: Tenant, ready: list[Envelope]) -> None:
        for envelope in ready:
            for sock in tenant.room.recipients(envelope.user_id):
                sock.push(envelope.seq, envelope.frame)
                self.delivered_frames += 1

    # ------------------------------------------------------------------ holes

    def _watch_gap(self, tenant_id: int, tenant: Tenant) -> None:
        if tenant.sequencer.gap() is not None and tenant.filling is None:
            tenant.filling = self._spawn(self._fill_after_wait(tenant_id, tenant))

    async def _fill_after_wait(self, tenant_id: int, tenant: Tenant) -> None:
        try:
            await asyncio.sleep(self._gap_wait)
            gap = tenant.sequencer.gap()
            if gap is not None:
                await self._fill(tenant_id, tenant, *gap)
        finally:
            tenant.filling = None
        if self._tenants.get(tenant_id) is tenant:
            self._watch_gap(tenant_id, tenant)

    async def _fill(self, tenant_id: int, tenant: Tenant, after: int, upto: int) -> None:
        rows = await catchup.log_range(self._database, tenant_id, after, upto)
        envelopes = [core.render(r.tenant_id, r.seq, r.user_id, r.name, r.data) for r in rows]
        ready, skipped = tenant.sequencer.fill(envelopes, upto)
        if skipped:
            log.warning("tenant %s: events after %s left the log before delivery; resyncing its sockets", tenant_id, after)
            for sock in list(tenant.room.everyone):
                sock.send(Close(core.CLOSE_RESYNC, "missed events; reconnect with since"))
        self._route(tenant, ready)

    def resync(self) -> None:
        """After the fan-out was cut off: read from the log what may have been missed."""
        for tenant_id, tenant in self._tenants.items():
            if tenant.sequencer.delivered is not None and tenant.filling is None:
                tenant.filling = self._spawn(self._resync_tenant(tenant_id, tenant))

    async def _resync_tenant(self, tenant_id: int, tenant: Tenant) -> None:
        try:
            after = tenant.sequencer.delivered or 0
            rows = await catchup.log_range(self._database, tenant_id, after, after + 100_000)
            for row in rows:
                self._route(tenant, tenant.sequencer.offer(core.render(row.tenant_id, row.seq, row.user_id, row.name, row.data)))
        finally:
            tenant.filling = None
        if self._tenants.get(tenant_id) is tenant:
            self._watch_gap(tenant_id, tenant)  # a hole the log no longer holds: resync sockets

    def _spawn(self, coroutine: object) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)  # type: ignore[arg-type]
        self._background.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("live hub task failed", exc_info=task.exception())

    # ------------------------------------------------------------------ sockets

    async def join(self, sock: LiveSocket) -> None:
        """Register a socket before its catch-up is read, so nothing falls between.

        The first socket of a tenant reads where the log stands; from then on every
        event after that point passes the tenant's sequencer to every joined socket,
        and each socket's catch-up (read after ``join``) covers everything before.
        """
        tenant = self._tenants.get(sock.tenant_id)
        if tenant is not None:
            tenant.room.add(sock)
            await tenant.ready.wait()
            if tenant.sequencer.delivered is None:
                self.leave(sock)
                raise Unavailable("the live hub could not read the event log; reconnect")
            return
        tenant = self._tenants[sock.tenant_id] = Tenant()
        tenant.room.add(sock)
        try:
            position = await catchup.log_position(self._database, sock.tenant_id)
        except BaseException:
            self.leave(sock)
            raise
        finally:
            tenant.ready.set()
        self._route(tenant, tenant.sequencer.start(position))
        self._watch_gap(sock.tenant_id, tenant)

    def started(self, sock: LiveSocket, replayed_upto: int) -> None:
        """The socket's catch-up up to ``replayed_upto`` was sent: switch it to live."""
        sock.go_live(replayed_upto)

    def leave(self, sock: LiveSocket) -> None:
        """Forget a socket; a tenant without sockets here is forgotten too."""
        tenant = self._tenants.get(sock.tenant_id)
        if tenant is None:
            return
        tenant.room.remove(sock)
        if not tenant.room.everyone:
            del self._tenants[sock.tenant_id]
            if tenant.filling is not None:
                tenant.filling.cancel()

    def socket_count(self) -> int:
        return sum(len(t.room.everyone) for t in self._tenants.values())
