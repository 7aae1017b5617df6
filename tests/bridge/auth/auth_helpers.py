"""Helpers for the authentication tests: raw requests, TOTP codes (a uniquely named
module: tests/bridge has no __init__.py, so test modules import it by name)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from bridge.auth import totp

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
    return totp.code_at(secret, totp.step_at(datetime.now(timezone.utc)) + offset_steps)

