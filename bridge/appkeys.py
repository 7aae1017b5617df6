"""Typed application keys: everything the relay keeps on its ``web.Application``.

Set once in ``bridge.app``'s cleanup contexts; read by handlers as ``app[KEY]``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import web

from bridge.settings import Settings

if TYPE_CHECKING:
    from bridge.api.signin import TokenService
    from bridge.live.hub import Hub
    from bridge.store.database import Database

SETTINGS = web.AppKey("settings", Settings)
#: Returns the current instant (aware UTC, whole seconds); tests may pass their own.
CLOCK: web.AppKey[Callable[[], datetime]] = web.AppKey("clock")
DATABASE: web.AppKey[Database] = web.AppKey("database")
TOKENS: web.AppKey[TokenService] = web.AppKey("tokens")
HUB: web.AppKey[Hub] = web.AppKey("hub")
