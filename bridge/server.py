"""Running the relay process: listen, log one ready line, stop cleanly on a signal."""

from __future__ import annotations

import logging

from aiohttp import web

from bridge.app import create_app
from bridge.settings import Settings


def serve(settings: Settings) -> None:
    """Run until SIGINT/SIGTERM; prints ``relay listening on URL`` once ready."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        print=lambda _msg: print(f"relay listening on http://{settings.host}:{settings.port}", flush=True),
        access_log=None,
        handle_signals=True,
    )
