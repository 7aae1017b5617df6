"""Helpers for the authentication tests: raw requests, TOTP codes (a uniquely named
module: tests/bridge has no __init__.py, so test modules import it by name)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from bridge.auth import totp
from bridge.settings import Settings

#: The password tests/bridge/conftest.py gives every user it creates.
PASSWORD = "correct horse battery"


class Raw:
    """Unauthenticated (or hand-authenticated) requests against the test relay."""

    def __init__(self, relay: Any) -> None:
        self.relay = relay

    async def send(self, method: str, path: str, json: Any = None, *, token: str | None = None, status: int | None = None) -> tuple[int, Any, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.relay.client.request(method, path, json=json, headers=headers)
        body = await response.json()
        if status is not None:
            assert response.status == status, (method, path, response.status, body)
        return response.status, body, response.headers

    async def post(self, tenant: str, path: str, json: Any = None, **kw: Any) -> Any:
        return (await self.send("POST", f"/api/v1/{tenant}{path}", json, **kw))[1]


def code_now(secret: str, offset_steps: int = 0) -> str:
    """The TOTP code for the current step (plus ``offset_steps``)."""
    return totp.code_at(secret, totp.step_at(datetime.now(UTC)) + offset_steps)



@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def relay_on_both_backends(request: pytest.FixtureRequest, relay_settings: Settings) -> Settings:
    """Import as ``relay_settings`` into a test module to run it on SQLite and PostgreSQL."""
    if request.param == "sqlite":
        return relay_settings
    return dataclasses.replace(relay_settings, database_url=request.getfixturevalue("postgres_url"))
