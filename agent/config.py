"""Where the agent keeps its files, read once from the environment.

Call ``AgentConfig.from_environ(os.environ)`` in the command that starts something (a
CLI handler, a test fixture) and pass the result down; nothing reads the environment
at import time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bridge.settings import data_home

#: Native-messaging host name, CONTRACT.md.
HOST_NAME = "dev.taskclock.agent"
#: Firefox add-on id, CONTRACT.md.
FIREFOX_ADDON_ID = "taskclock@taskclock.dev"
#: The keyring "service" under which the login and the outbox key are stored.
KEYRING_SERVICE = "dev.taskclock.agent"
#: The Chrome/Opera build's id, derived from the fixed public ``key`` in
#: manifest/chrome.json; used only if bridge.extension_build cannot be imported.
FALLBACK_CHROMIUM_EXTENSION_ID = "kgeblhliigajgajoelendidflbdhijji"


def chromium_extension_ids() -> tuple[str, ...]:
    """Ids of the Chromium-family builds that may start the host; call when needed."""
    try:
        from bridge.extension_build import CHROMIUM_EXTENSION_ID
    except ImportError:
        return (FALLBACK_CHROMIUM_EXTENSION_ID,)
    return tuple(dict.fromkeys((CHROMIUM_EXTENSION_ID, FALLBACK_CHROMIUM_EXTENSION_ID)))


def chromium_origins() -> tuple[str, ...]:
    """``allowed_origins`` entries: ``chrome-extension://ID/``."""
    return tuple(f"chrome-extension://{ident}/" for ident in chromium_extension_ids())


@dataclass(frozen=True)
class AgentConfig:
    """Paths and identity of this agent; immutable once built."""

    home: Path
    socket_path: Path
    #: The user's home, for per-user browser manifest locations.
    user_home: Path
    #: XDG_CONFIG_HOME or ~/.config, where Chromium-family browsers live on Linux.
    config_home: Path
    #: Longest pause between reconnection attempts (TASKCLOCK_AGENT_MAX_BACKOFF, seconds).
    max_backoff: float = 10.0

    @property
    def outbox_path(self) -> Path:
        return self.home / "agent-outbox.db"

    @property
    def pid_path(self) -> Path:
        """The running daemon's process id (written after it took the instance lock)."""
        return self.home / "agent.pid"

    @property
    def log_path(self) -> Path:
        return self.home / "agent.log"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> AgentConfig:
        """Build the configuration from ``TASKCLOCK_HOME``, ``HOME`` and ``XDG_*``."""
        home = data_home(environ)
        user_home = Path(environ.get("HOME") or os.path.expanduser("~"))
        config_home = Path(environ.get("XDG_CONFIG_HOME") or user_home / ".config")
        socket_path = _socket_path(home, environ)
        max_backoff = _positive_float(environ.get("TASKCLOCK_AGENT_MAX_BACKOFF"), 10.0)
        return cls(home=home, socket_path=socket_path, user_home=user_home, config_home=config_home,
                   max_backoff=max_backoff)


def _positive_float(raw: str | None, default: float) -> float:
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return value if value > 0 else default


def _socket_path(home: Path, environ: Mapping[str, str]) -> Path:
    """The daemon's socket: in TASKCLOCK_HOME, unless that path is too long for AF_UNIX.

    sun_path holds about 107 bytes; a deep TASKCLOCK_HOME falls back to
    XDG_RUNTIME_DIR (private to the user by the XDG spec).
    """
    candidate = home / "agent.sock"
    if len(os.fsencode(candidate)) < 100:
        return candidate
    runtime = environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return Path(runtime) / "taskclock-agent.sock"
    return candidate
