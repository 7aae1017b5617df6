"""``taskclock agent run``: start the daemon, serve until SIGTERM, shut down cleanly.

Call ``run_forever(config)`` from the CLI (or ``await serve(config)`` in a test). It
takes the instance lock, opens the keyring and the outbox, starts the ``RelayLink`` and
the ``Forwarder``, and serves native hosts on the private Unix socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal

from agent.config import AgentConfig
from agent.credentials import Credentials
from agent.daemon import Daemon
from agent.errors import AgentError
from agent.ipc import listen, take_instance_lock
from agent.outbox import Outbox
from agent.sealing import Sealer

log = logging.getLogger("taskclock.agent")


async def serve(config: AgentConfig, *, ready: asyncio.Event | None = None, handle_signals: bool = True) -> None:
    """Run the daemon until cancelled or (with ``handle_signals``) SIGTERM/SIGINT."""
    lock = take_instance_lock(config.home)
    if lock is None:
        raise AgentError(f"another agent is already running for {config.home}", code="already_running")
    config.pid_path.write_text(f"{os.getpid()}\n")
    credentials = Credentials.open()
    outbox = Outbox.open(config.outbox_path, Sealer(credentials.outbox_key()))
    daemon = Daemon(config, credentials, outbox, max_backoff=config.max_backoff)
    login = daemon.login()
    if login is not None:
        daemon.unconfirmed = {command.key: command for command in outbox.pending(login.account)}
    server = await listen(config.socket_path, daemon.serve_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    if handle_signals:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
    workers = [loop.create_task(daemon.link.run()), loop.create_task(daemon.forwarder.run())]
    log.info("agent listening on %s", config.socket_path)
    if ready is not None:
        ready.set()
    try:
        await stop.wait()
    finally:
        server.close()
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, daemon.stop_background(), return_exceptions=True)
        await daemon.link.close()
        outbox.close()
        with contextlib.suppress(FileNotFoundError):
            config.socket_path.unlink()
        with contextlib.suppress(FileNotFoundError):
            config.pid_path.unlink()
        lock.close()


def run_forever(config: AgentConfig) -> int:
    """Entry of ``taskclock agent run``; returns the exit status."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    asyncio.run(serve(config))
    return 0
