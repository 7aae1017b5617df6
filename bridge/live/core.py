"""The live hub's decisions, without I/O: who gets an event, in which order, what a
reconnecting client is owed, when a token must be renewed, how events travel between
relays.

The I/O shells (``hub``, ``handler``, ``fanout``, ``redis_fanout``) call these and do
only the sending, reading and waiting. Everything here is a pure function or a small
state machine driven by plain values, so the rules are tested without sockets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from bridge.core.errors import InvalidInput
from bridge.core.protocol import event_message

#: The only channel a client may ask for besides its own events (CONTRACT.md).
ACTIVITY = "activity"
#: Client message that swaps the socket's access token for a fresh one (our addition
#: to the contract's protocol, in ``MESSAGE_TYPES``; see ``bridge.live``).
AUTH = "auth"
#: Error code sent ahead of expiry: "send an auth message with a fresh token".
TOKEN_EXPIRING = "token_expiring"
#: Close code for a client whose send queue overflowed: "reconnect with since".
CLOSE_TOO_SLOW = 1013
#: Close code when the relay could not replay what a client is owed.
CLOSE_RESYNC = 4409


# ---------------------------------------------------------------------------- frames


@dataclass(frozen=True, slots=True)
class Envelope:
    """One committed event on its way to sockets: routing keys plus the frame.

    ``frame`` is the client's JSON, UTF-8 encoded once per event (not per socket).
    """

    tenant_id: int
    seq: int
    user_id: int | None
    frame: bytes


def render(tenant_id: int, seq: int, user_id: int | None, name: str, data: dict[str, Any]) -> Envelope:
    """Serialize one committed event once; call on the relay that committed it."""
    return Envelope(tenant_id, seq, user_id, frame(event_message(seq, name, data)))


def encode_envelope(envelope: Envelope) -> bytes:
    """The bytes one relay publishes for others: a header line, then the frame."""
    user = "-" if envelope.user_id is None else str(envelope.user_id)
    return f"{envelope.tenant_id} {envelope.seq} {user}\n".encode() + envelope.frame


def decode_envelope(payload: bytes | str) -> Envelope:
    """Inverse of ``encode_envelope``; ``InvalidInput`` for anything else.

    Only the header is parsed: the frame is forwarded to sockets as it came.
    """
    data = payload.encode() if isinstance(payload, str) else payload
    header, newline, body = data.partition(b"\n")
    parts = header.split(b" ")
    if not newline or len(parts) != 3:
        raise InvalidInput("not a taskclock event envelope")
    try:
        user_id = None if parts[2] == b"-" else int(parts[2])
        return Envelope(int(parts[0]), int(parts[1]), user_id, body)
    except ValueError:
        raise InvalidInput("not a taskclock event envelope") from None


def frame(message: dict[str, Any]) -> bytes:
    """The UTF-8 JSON of one message to a client."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def error_frame(code: str, message: str, **extra: Any) -> bytes:
    return frame({"type": "error", "error": {"code": code, "message": message, **extra}})


def text_frame_header(length: int) -> bytes:
    """RFC 6455 header of one unmasked, uncompressed, final text frame of ``length``
    bytes: what a server puts before the payload (section 5.2)."""
    if length < 126:
        return bytes((0x81, length))
    if length < 1 << 16:
        return bytes((0x81, 126)) + length.to_bytes(2, "big")
    return bytes((0x81, 127)) + length.to_bytes(8, "big")


# ---------------------------------------------------------------------------- who sees what


def visible(event_user_id: int | None, user_id: int, watches_activity: bool) -> bool:
    """Whether a socket of ``user_id`` gets an event addressed to ``event_user_id``.

    A user's own events, tenant-wide facts (``None``: a renamed task concerns everyone
    who may see it) and, for activity watchers, everybody's events in the tenant.
    """
    return event_user_id is None or event_user_id == user_id or watches_activity


class Subscriber(Protocol):
    user_id: int
    watches_activity: bool


S = TypeVar("S", bound=Subscriber)


@dataclass
class Room(Generic[S]):
    """The sockets of one tenant on this relay, indexed for routing."""

    by_user: dict[int, set[S]] = field(default_factory=dict)
    watchers: set[S] = field(default_factory=set)
    everyone: set[S] = field(default_factory=set)

    def add(self, subscriber: S) -> None:
        self.everyone.add(subscriber)
        self.by_user.setdefault(subscriber.user_id, set()).add(subscriber)
        if subscriber.watches_activity:
            self.watchers.add(subscriber)

    def remove(self, subscriber: S) -> None:
        self.everyone.discard(subscriber)
        self.watchers.discard(subscriber)
        mine = self.by_user.get(subscriber.user_id)
        if mine is not None:
            mine.discard(subscriber)
            if not mine:
                del self.by_user[subscriber.user_id]

    def recipients(self, event_user_id: int | None) -> list[S]:
        """Each socket that gets the event, once (an admin's own event: not twice)."""
        if event_user_id is None:
            return list(self.everyone)
        own = self.by_user.get(event_user_id, ())
        return [*own, *(w for w in self.watchers if w.user_id != event_user_id)]


# ---------------------------------------------------------------------------- ordering


@dataclass
class Sequencer:
    """Puts one tenant's events in ``seq`` order and drops repeats.

    Sequence numbers are gapless per tenant (the counter moves in the same transaction
    as the event), so a hole means an event is still on its way (another task, another
    relay) or was lost in transit; the shell waits a moment, then reads the hole from
    the log and calls ``fill``. ``delivered`` is ``None`` until the first socket's
    catch-up told us where the log stood (``start``).
    """

    delivered: int | None = None
    pending: dict[int, Envelope] = field(default_factory=dict)

    def start(self, seq: int) -> list[Envelope]:
        """Set the starting point once; returns what became deliverable."""
        if self.delivered is None:
            self.delivered = seq
            self.pending = {s: e for s, e in self.pending.items() if s > seq}
        return self._drain()

    def offer(self, envelope: Envelope) -> list[Envelope]:
        """Take one arriving event; returns the events now deliverable, in order."""
        if self.delivered is not None and envelope.seq <= self.delivered:
            return []
        self.pending[envelope.seq] = envelope
        return self._drain()

    def gap(self) -> tuple[int, int] | None:
        """``(after, upto)``: the log range to read when a hole does not close."""
        if self.delivered is None or not self.pending:
            return None
        return self.delivered, max(self.pending)

    def fill(self, envelopes: list[Envelope], upto: int) -> tuple[list[Envelope], bool]:
        """Take the events read from the log for ``gap() == (_, upto)``.

        Returns the deliverable events and whether a hole had to be skipped because the
        log no longer holds it (pruned): the shell then resyncs the tenant's sockets.
        """
        for envelope in envelopes:
            if self.delivered is None or envelope.seq > self.delivered:
                self.pending[envelope.seq] = envelope
        ready = self._drain()
        skipped = self.delivered is not None and self.delivered < upto and bool(self.pending)
        if skipped:
            self.delivered = min(self.pending) - 1
            ready += self._drain()
        return ready, skipped

    def _drain(self) -> list[Envelope]:
        if self.delivered is None:
            return []
        ready = []
        while self.delivered + 1 in self.pending:
            self.delivered += 1
            ready.append(self.pending.pop(self.delivered))
        return ready


# ---------------------------------------------------------------------------- catch-up


def needs_snapshot(since: int, latest: int, oldest_kept: int | None) -> bool:
    """Whether a client at ``since`` gets a snapshot instead of the missed events.

    A snapshot when events after ``since`` were pruned from the log, or when the client
    claims a number the relay never handed out (a restored or reset database).
    """
    if since > latest:
        return True
    if since == latest:
        return False
    first_needed = since + 1
    return oldest_kept is None or oldest_kept > first_needed


def welcome(seq: int) -> bytes:
    return frame({"type": "welcome", "seq": seq})


def snapshot(seq: int, state: dict[str, Any]) -> bytes:
    return frame({"type": "snapshot", "seq": seq, "state": state})


PONG = frame({"type": "pong"})


# ---------------------------------------------------------------------------- tokens


def renewal_notice_at(expires_at: float, now: float, notice_seconds: float = 60.0) -> float:
    """When to tell a socket its token is about to expire.

    ``notice_seconds`` ahead, but never more than a quarter of what is left, so a
    short-lived token is not nagged about at once.
    """
    left = max(0.0, expires_at - now)
    return expires_at - min(notice_seconds, left / 4)


@dataclass(frozen=True)
class ClientMessage:
    """A message after the hello: ping, or auth with a fresh token."""

    type: str
    token: str | None = None


def parse_client_message(message: Any) -> ClientMessage:
    """Validate a decoded client message; ``InvalidInput`` for anything unknown."""
    if not isinstance(message, dict):
        raise InvalidInput("messages are JSON objects")
    kind = message.get("type")
    if kind in ("ping", "pong"):
        return ClientMessage(kind)
    if kind == AUTH:
        token = message.get("token")
        if not isinstance(token, str) or not token:
            raise InvalidInput("auth needs a token", field="token")
        return ClientMessage(AUTH, token)
    raise InvalidInput(f"unknown message type {kind!r}: send ping or auth", field="type")
