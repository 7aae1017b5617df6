"""``create_app(settings)``: the relay as an aiohttp application.

Resources are opened and closed by cleanup contexts, in order: the database, then the
token service that reads its signing keys, then the live hub (its fan-out started, registered as
the database's commit listener). Nothing is opened at import time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime, timezone

from aiohttp import web

from bridge import appkeys
from bridge.api import openapi
from bridge.api.edge import add_routes, error_middleware
from bridge.api.routes import all_routes
from bridge.api.signin import TokenService
from bridge.live import handler as live_handler
from bridge.live.fanout import make_fanout
from bridge.live.hub import Hub
from bridge.settings import Settings
from bridge.store.database import Database

#: Request bodies larger than this are refused (413) before parsing.
MAX_BODY_BYTES = 1024 * 1024


def system_clock() -> datetime:
    """Now, as the relay stores instants: aware UTC, whole seconds."""
    return datetime.now(timezone.utc).replace(microsecond=0)


async def _database(app: web.Application) -> AsyncIterator[None]:
    database = await Database.open(app[appkeys.SETTINGS].database_url)
    app[appkeys.DATABASE] = database
    yield
    await database.close()


async def _tokens(app: web.Application) -> AsyncIterator[None]:
    service = TokenService(app[appkeys.DATABASE], app[appkeys.SETTINGS])
    await service.load(app[appkeys.CLOCK]())
    app[appkeys.TOKENS] = service
    yield


async def _hub(app: web.Application) -> AsyncIterator[None]:
    settings, database = app[appkeys.SETTINGS], app[appkeys.DATABASE]
    hub = Hub(database, make_fanout(settings.redis_url), settings.socket_queue_limit)
    await hub.start()
    database.add_commit_listener(hub.on_commit)
    app[appkeys.HUB] = hub
    yield
    await hub.close()


async def _close_live_sockets(app: web.Application) -> None:
    """On shutdown, before handlers are awaited: live sockets would otherwise hold it up."""
    if appkeys.HUB in app:
        await app[appkeys.HUB].close_sockets()


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def create_app(settings: Settings, clock: Callable[[], datetime] = system_clock) -> web.Application:
    """Build the relay application; call once per process (or per test)."""
    app = web.Application(middlewares=[error_middleware], client_max_size=MAX_BODY_BYTES)
    app[appkeys.SETTINGS] = settings
    app[appkeys.CLOCK] = clock
    app.cleanup_ctx.extend([_database, _tokens, _hub])
    app.on_shutdown.append(_close_live_sockets)
    routes = all_routes()
    add_routes(app, routes)
    app.router.add_get("/healthz", healthz)
    app.router.add_get(live_handler.PATH, live_handler.live)
    app.router.add_get("/api/v1/openapi.json", openapi.handler(openapi.document(routes, {live_handler.PATH: live_handler.OPENAPI})))
    return app
