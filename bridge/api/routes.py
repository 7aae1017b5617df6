"""The whole route table, in one list: what runs and what openapi.json describes."""

from __future__ import annotations

from bridge.api import credentials, signin, tracking
from bridge.api.edge import Route


def all_routes() -> list[Route]:
    return [*signin.ROUTES, *credentials.ROUTES, *tracking.ROUTES]
