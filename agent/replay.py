"""What to send for an outbox command and what to do with the relay's answer, without I/O.

Call ``stamped_body`` when a command is accepted, before it is written to the outbox:
timer and attendance commands get ``occurred_at``, the click's time on the relay's
clock. The body is then fixed for good, because the relay fingerprints the body with
the Idempotency-Key: a replay must be byte-for-byte the same request, or it would be
refused as a reused key. Call ``verdict`` with each answer's status and error code;
the daemon's sender obeys: ``DONE`` and ``REJECTED`` remove the row (a refusal will not
change by repeating it), ``REAUTH`` signs in again and repeats, ``RETRY`` keeps the row
and every later one (order matters: a pause must not overtake its start).
"""

from __future__ import annotations

import enum
from datetime import datetime, timezone
from typing import Any

from agent.clock import ClockOffset
from agent.routes import TIMED_OPS

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


def occurred_at(accepted_at: float, clock: ClockOffset) -> str:
    """A local instant on the relay's clock, RFC 3339 with whole seconds."""
    instant = datetime.fromtimestamp(accepted_at + clock.offset, tz=timezone.utc)
    return instant.isoformat(timespec="seconds")


def stamped_body(op: str, body: dict[str, Any] | None, accepted_at: float, clock: ClockOffset) -> dict[str, Any] | None:
    """``body`` with ``occurred_at`` added for the ops that take it (a browser's own wins).

    Stamped at acceptance, so a command sent at once and one replayed after an outage
    both carry the moment of the click; the relay reads a stamp up to a few seconds
    ahead of its clock as "now", which absorbs the offset estimate's error.
    """
    if op not in TIMED_OPS or (body is not None and body.get("occurred_at")):
        return body
    return {**(body or {}), "occurred_at": occurred_at(accepted_at, clock)}
