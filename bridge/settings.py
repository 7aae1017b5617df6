"""Relay configuration: read once, from one place, never at import time.

Call ``Settings.from_environ(os.environ, **cli_overrides)`` in the command that starts
something (``taskclock relay serve``, a test fixture); pass the resulting object down.
Command-line values win over ``TASKCLOCK_*`` variables, which win over defaults.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

DEFAULT_PORT = 8765
DEFAULT_HOST = "127.0.0.1"


def data_home(environ: Mapping[str, str]) -> Path:
    """The data directory: ``TASKCLOCK_HOME`` or the platform's user data directory."""
    explicit = environ.get("TASKCLOCK_HOME")
    if explicit:
        return Path(explicit).expanduser()
    return Path(platformdirs.user_data_dir("taskclock", appauthor=False))


@dataclass(frozen=True)
class Settings:
    """Everything the relay needs to start; immutable once built."""

    home: Path
    database_url: str
    redis_url: str | None = None
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    #: ``iss`` and ``aud`` of access tokens.
    issuer: str = "taskclock-relay"
    audience: str = "taskclock"
    access_token_seconds: int = 15 * 60
    refresh_token_seconds: int = 30 * 24 * 3600
    #: How many events per tenant the log keeps for catch-up; older gaps get a snapshot.
    event_retention: int = 10_000
    #: Per-socket send queue bound; a client that falls this far behind is dropped.
    socket_queue_limit: int = 1_000
    #: Argon2id parameters (OWASP 2024 floor: m=19 MiB, t=2, p=1). Tests may lower none.
    argon2_memory_kib: int = 19_456
    argon2_iterations: int = 2

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], **overrides: Any) -> Settings:
        """Build settings from ``TASKCLOCK_*`` variables plus explicit overrides.

        ``None`` overrides are ignored, so argparse defaults of ``None`` fall through.
        """
        given = {k: v for k, v in overrides.items() if v is not None}
        home = Path(given.pop("home", None) or data_home(environ))
        database_url = given.pop("database_url", None) or environ.get("TASKCLOCK_DATABASE") or ""
        if not database_url:
            database_url = f"sqlite:///{home / 'relay.db'}"
        redis_url = given.pop("redis_url", None) or environ.get("TASKCLOCK_REDIS") or None
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(given) - known
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        return cls(home=home, database_url=database_url, redis_url=redis_url, **given)
