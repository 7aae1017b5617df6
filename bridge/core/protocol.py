"""The wire protocol shared by relay, agent and extension.

``extension/lib/protocol.js`` mirrors these names; tests/bridge/core/test_protocol.py
keeps the two in step. Call ``parse_hello`` on the first message of a live socket and
``event_message`` to frame a committed event for a client.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bridge.core.errors import InvalidInput
from bridge.core.trackability import REASONS as TRACKABILITY_REASONS

#: ``auth`` renews a live socket's token in band (bridge/live describes the conversation).
MESSAGE_TYPES = ("hello", "welcome", "event", "snapshot", "ping", "pong", "error", "auth")

EVENT_NAMES = (
    "timer.started",
    "timer.paused",
    "timer.resumed",
    "timer.stopped",
    "entry.created",
    "entry.updated",
    "entry.deleted",
    "attendance.clocked_in",
    "attendance.clocked_out",
    "task.updated",
    "project.updated",
)

#: Every ``error.code`` the relay sends (HTTP bodies and live error messages).
ERROR_CODES = (
    "invalid_input",
    "invalid_json",
    "naive_datetime",
    "day_limit",
    "not_authenticated",
    "invalid_credentials",
    "invalid_otp",
    "otp_required",
    "api_token_disabled",
    "token_expired",
    "token_expiring",
    "refresh_reused",
    "forbidden",
    "not_found",
    "conflict",
    "no_timer",
    "timer_paused",
    "timer_running",
    "clocked_in",
    "clocked_out",
    "tenant_exists",
    "user_exists",
    "idempotency_key_in_flight",
    "unprocessable",
    "idempotency_key_reused",
    "billable_from_project",
    "untrackable",
    "rate_limited",
    "unavailable",
    "method_not_allowed",
    "too_large",
    "http_error",
    "internal",
)

#: Close code for a bad or expired token on the live socket (CONTRACT.md).
CLOSE_UNAUTHENTICATED = 4401

__all__ = [
    "CLOSE_UNAUTHENTICATED",
    "ERROR_CODES",
    "EVENT_NAMES",
    "MESSAGE_TYPES",
    "TRACKABILITY_REASONS",
    "Hello",
    "event_message",
    "parse_hello",
]


@dataclass(frozen=True)
class Hello:
    """The first message a live client sends."""

    token: str
    since: int
    subscribe: tuple[str, ...]


def parse_hello(message: Any) -> Hello:
    """Validate a decoded hello message; ``InvalidInput`` when it is not one."""
    if not isinstance(message, dict) or message.get("type") != "hello":
        raise InvalidInput("the first message must be a hello")
    token, since, subscribe = message.get("token"), message.get("since", 0), message.get("subscribe", [])
    if not isinstance(token, str) or not token:
        raise InvalidInput("hello needs a token", field="token")
    if not isinstance(since, int) or isinstance(since, bool) or since < 0:
        raise InvalidInput("since must be a non-negative integer", field="since")
    if not isinstance(subscribe, list) or not all(isinstance(item, str) for item in subscribe):
        raise InvalidInput("subscribe must be a list of channel names", field="subscribe")
    return Hello(token=token, since=since, subscribe=tuple(subscribe))


def event_message(seq: int, name: str, data: dict[str, Any]) -> dict[str, Any]:
    """The frame a client receives for one committed event."""
    return {"type": "event", "seq": seq, "name": name, "data": data}
