"""Fixtures of the agent tests: private HOME/TASKCLOCK_HOME/XDG folders, test keyrings."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from agent.config import AgentConfig

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
VENV_PYTHON = Path(sys.executable)

sys.path.insert(0, str(HERE))
from taskclock_test_keyring import MemoryKeyring  # noqa: E402


@pytest.fixture
def agent_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point HOME, TASKCLOCK_HOME and XDG_* at fresh temporary folders; return the env."""
    base = tmp_path / "e"
    values = {
        "HOME": base / "home",
        "TASKCLOCK_HOME": base / "tc",
        "XDG_CONFIG_HOME": base / "config",
        "XDG_DATA_HOME": base / "data",
        "XDG_RUNTIME_DIR": base / "run",
        "XDG_CACHE_HOME": base / "cache",
    }
    for name, path in values.items():
        path.mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(name, str(path))
    monkeypatch.setenv("TASKCLOCK_TEST_KEYRING_FILE", str(base / "keyring.json"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "taskclock_test_keyring.FileKeyring")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(HERE), str(REPO)]))
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    return dict(os.environ)


@pytest.fixture
def config(agent_env: dict[str, str]) -> AgentConfig:
    return AgentConfig.from_environ(agent_env)


@pytest.fixture
def memory_keyring(agent_env: dict[str, str]) -> Iterator[MemoryKeyring]:
    """Install an in-memory keyring for this process; restore the previous one after.

    Depends on ``agent_env`` so that even keyring's own config lookup sees a temporary HOME.
    """
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
