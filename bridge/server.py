"""Running the relay process: listen, log one ready line, stop cleanly on a signal."""

from __future__ import annotations

import gc
import logging
import sys

from aiohttp import web

from bridge.app import create_app
from bridge.settings import Settings

#: A relay allocates in bursts (one event queues a frame on thousands of sockets); with
#: CPython's default (700, 10, 10) the collector would run hundreds of times per burst.
#: Generation 0 every 50,000 net allocations, generation 1 every 20 of those; full
#: collections (which walk every live socket) stay rare, and CPython still postpones
#: them until the long-lived heap grew by a quarter.
GC_THRESHOLDS = (50_000, 20, 10)
#: How long a thread may keep the GIL while another waits for it. The database threads
#: hold SQLite's write lock while they wait, so with CPython's default (5 ms) every
#: busy moment of the event loop stalls all writers by up to 5 ms per statement.
GIL_SWITCH_SECONDS = 0.0005


async def _freeze_heap(_app: web.Application) -> None:
    """After start-up: move everything alive (modules, app, engines) out of the GC's way.

    Full collections then walk only what was allocated since, which keeps their pauses
    short on a relay holding tens of thousands of sockets (see bench/ for the figures).
    """
    gc.collect()
    gc.freeze()


def serve(settings: Settings) -> None:
    """Run until SIGINT/SIGTERM; prints ``relay listening on URL`` once ready."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    gc.set_threshold(*GC_THRESHOLDS)
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    app = create_app(settings)
    app.on_startup.append(_freeze_heap)  # runs after the cleanup contexts have opened everything
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        print=lambda _msg: print(f"relay listening on http://{settings.host}:{settings.port}", flush=True),
        access_log=None,
        handle_signals=True,
    )
