"""``taskclock agent status``: relay, login, connection and outbox, in a few lines.

Call ``print_status(config)`` from the CLI. It asks a running daemon (over its socket)
and otherwise reads the keyring and the outbox file itself, so it works in both cases.
"""

from __future__ import annotations

import asyncio
from typing import Any

from agent.config import AgentConfig
from agent.credentials import Credentials
from agent.errors import AgentNotRunning
from agent.ipc import connect, read_message, write_message
from agent.outbox import Outbox
from agent.sealing import Sealer
from bridge.core.errors import TaskclockError


async def ask_daemon(config: AgentConfig, timeout: float = 3.0) -> dict[str, Any]:
    """The daemon's ``status`` result; raise ``AgentNotRunning`` when none answers."""
    reader, writer = await connect(config.socket_path)
    try:
        write_message(writer, {"id": "status", "op": "status", "args": {}})
        await writer.drain()
        answer = await asyncio.wait_for(read_message(reader), timeout)
    except (asyncio.TimeoutError, ConnectionError) as exc:
        raise AgentNotRunning("the agent does not answer") from exc
    finally:
        writer.close()
    if not isinstance(answer, dict) or not answer.get("ok"):
        raise AgentNotRunning("the agent gave no status")
    return answer["result"]


def offline_status(config: AgentConfig) -> dict[str, Any]:
    """What can be known without the daemon: the stored login and the outbox size."""
    credentials = Credentials.open()
    status: dict[str, Any] = {"state": "not running", "connected": False}
    try:
        login = credentials.load_login()
    except TaskclockError as exc:
        return {**status, "relay": None, "tenant": None, "username": None, "signed_in": False,
                "detail": exc.message, "outbox": 0}
    outbox_count = 0
    if config.outbox_path.exists():
        outbox = Outbox.open(config.outbox_path, Sealer(credentials.outbox_key()))
        outbox_count = outbox.count(login.account)
        outbox.close()
    return {**status, "relay": login.relay, "tenant": login.tenant, "username": login.username,
            "signed_in": True, "outbox": outbox_count}


def print_status(config: AgentConfig) -> int:
    """Print the status lines; 0 whether or not the daemon runs (both are states, not failures)."""
    try:
        status = asyncio.run(ask_daemon(config))
        running = True
    except AgentNotRunning:
        status = offline_status(config)
        running = False
    login = f"{status.get('username')} @ {status.get('tenant')}" if status.get("signed_in") else "signed out"
    print(f"relay:      {status.get('relay') or '-'}")
    print(f"login:      {login}")
    print(f"agent:      {'running' if running else 'not running'} ({config.socket_path})")
    connection = status.get("state") if running else "none"
    detail = f" - {status['detail']}" if status.get("detail") else ""
    print(f"connection: {connection}{detail}")
    print(f"outbox:     {status.get('outbox', 0)} waiting")
    rejected = status.get("last_rejected")
    if rejected:
        error = rejected.get("error") or {}
        print(f"refused:    {rejected.get('op')} - {error.get('message', error.get('code'))}")
    return 0
