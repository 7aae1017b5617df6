"""One browser command as the agent keeps it, without I/O.

Made by the daemon when a state-changing request arrives; written to and read back
from the outbox; applied to the optimistic view by ``agent.state``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Command:
    """A command as the daemon handles it, body in the clear."""

    key: str
    account: str
    op: str
    method: str
    path: str
    body: dict[str, Any] | None
    accepted_at: float
    attempts: int = 0
    seq: int | None = None
