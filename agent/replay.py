"""What to do with an outbox command and the relay's answer to it, without I/O.

Call ``send_body`` just before a command goes out (it stamps ``occurred_at`` on timer
commands that waited), then ``verdict`` with the answer's status and error code. The
daemon's sender obeys: ``DONE`` and ``REJECTED`` remove the row (a refusal will not
change by repeating it), ``REAUTH`` signs in again and repeats, ``RETRY`` keeps the row
and every later one (order matters: a pause must not overtake its start).
"""

from __future__ import annotations

import enum
from datetime import datetime, timezone
from typing import Any

from agent.clock import ClockOffset
from agent.outbox import Command
from agent.routes import TIMED_OPS

#: A command sent within this many seconds of the click goes without ``occurred_at``:
#: the relay's own clock is then closer to the click than our estimate of it.
FRESH_SECONDS = 1.0
#: Keep a stamped time this far behind our estimate of the relay's "now", so an
#: estimation error cannot make it look like the future.
FUTURE_MARGIN = 0.2

#: Statuses a repeat may cure (the relay is restarting, overloaded, rate limiting).
_TRANSIENT = frozenset({408, 425, 429, 500, 502, 503, 504})
#: 401 codes that a fresh sign-in cures; others (api_token_disabled, ...) do not.
_STALE_SESSION = frozenset({"token_expired", "not_authenticated", "invalid_token"})


class Verdict(enum.Enum):
    DONE = "done"
    REJECTED = "rejected"
    REAUTH = "reauth"
    RETRY = "retry"


def verdict(status: int | None, error_code: str | None = None) -> Verdict:
    """Classify an answer; ``status`` is ``None`` when no answer came (network error)."""
    if status is None or status in _TRANSIENT or status >= 500:
        return Verdict.RETRY
    if 200 <= status < 300:
        return Verdict.DONE
    if status == 401:
        return Verdict.REAUTH if (error_code or "not_authenticated") in _STALE_SESSION else Verdict.RETRY
    return Verdict.REJECTED


def occurred_at(command: Command, now: float, clock: ClockOffset) -> str | None:
    """The click's time on the relay's clock, RFC 3339; ``None`` for a fresh command."""
    if command.op not in TIMED_OPS or now - command.accepted_at < FRESH_SECONDS:
        return None
    margin = FUTURE_MARGIN + (clock.uncertainty if clock.known else 0.0)
    local = min(command.accepted_at, now - margin)
    instant = datetime.fromtimestamp(local + clock.offset, tz=timezone.utc)
    return instant.isoformat(timespec="seconds")


def send_body(command: Command, now: float, clock: ClockOffset) -> dict[str, Any] | None:
    """The body to send for ``command`` now: its stored body plus ``occurred_at`` if due."""
    stamp = occurred_at(command, now, clock)
    if stamp is None:
        return command.body
    return {**(command.body or {}), "occurred_at": stamp}
