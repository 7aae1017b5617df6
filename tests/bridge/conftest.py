"""Fixtures for relay tests: a real SQLite file in tmp_path, the app through aiohttp's
test client, and a way to make tenants and users without the CLI.

``relay`` yields a ``RelayClient``; ``await relay.user("acme", "alice", role="staff")``
creates (once) the tenant and the user and returns a ``SignedIn`` whose ``call``
method sends authenticated JSON requests.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bridge import appkeys
from bridge.app import create_app
from bridge.auth.passwords import hash_password
from bridge.core.errors import NotFound
from bridge.core.roles import Role
from bridge.settings import Settings
from bridge.store import accounts
from bridge.store.database import Database

PASSWORD = "correct horse battery"
#: One Argon2id hash reused by every test user: hashing is deliberately slow.
_HASH = hash_password(PASSWORD)


@dataclass
class SignedIn:
    client: TestClient
    tenant: str
    username: str
    user_id: int
    token: str

    async def call(self, method: str, path: str, json: Any = None, *, key: str | None = None, status: int | None = None) -> Any:
        """Send ``method path`` (relative to /api/v1/{tenant}) and return the JSON body.

        ``key=""`` sends a fresh Idempotency-Key; ``status`` asserts the answer's status.
        """
        headers = {"Authorization": f"Bearer {self.token}"}
        if key is not None:
            headers["Idempotency-Key"] = key or str(uuid.uuid4())
        response = await self.client.request(method, f"/api/v1/{self.tenant}{path}", json=json, headers=headers)
        body = await response.json()
        if status is not None:
            assert response.status == status, (response.status, body)
        return body


class RelayClient:
    def __init__(self, client: TestClient, database_url: str) -> None:
        self.client = client
        self.database_url = database_url
        self.app = client.server.app

    @property
    def database(self) -> Database:
        return self.app[appkeys.DATABASE]

    async def user(self, tenant: str, username: str, role: str = "owner", time_zone: str = "UTC") -> SignedIn:
        """Create tenant and user if missing, then log in through the API."""
        now = self.app[appkeys.CLOCK]()
        async with self.database.write() as tx:
            try:
                found = await accounts.tenant_by_slug(tx.session, tenant)
            except NotFound:
                found = await accounts.create_tenant(tx, tenant, tenant.title(), now)
            if await accounts.user_by_name(tx.session, found.id, username) is None:  # type: ignore[arg-type]
                await accounts.add_user(tx, found.id, username, _HASH, Role(role), now, time_zone)  # type: ignore[arg-type]
        response = await self.client.post(f"/api/v1/{tenant}/auth/login", json={"username": username, "password": PASSWORD})
        body = await response.json()
        assert response.status == 200, body
        return SignedIn(self.client, tenant, username, body["user"]["id"], body["access_token"])


class FakeClock:
    """A clock the test moves by hand; starts at the real now so tokens stay valid."""

    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def relay_settings(tmp_path: Path) -> Settings:
    return Settings.from_environ({}, home=tmp_path, database_url=f"sqlite:///{tmp_path / 'relay.db'}")


@pytest.fixture
async def relay(relay_settings: Settings, clock: FakeClock) -> AsyncIterator[RelayClient]:
    app = create_app(relay_settings, clock=clock)
    async with TestClient(TestServer(app)) as client:
        yield RelayClient(client, relay_settings.database_url)


ASANA_TASK = {
    "source": "asana",
    "external_id": "1201",
    "title": "Write the launch post",
    "url": "https://app.asana.com/0/77/1201",
    "project": {"external_id": "77", "name": "Launch"},
    "project_count": 1,
}


@pytest.fixture
def asana_task() -> dict[str, Any]:
    return dict(ASANA_TASK)
