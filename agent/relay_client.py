"""The REST side of the relay: the only module importing ``aiohttp``.

Create one ``RelayClient`` per daemon (or per ``agent login``) inside a running loop,
``sign_in`` with the stored login, then ``call`` the API. Every answer's ``Date``
header feeds the ``ClockOffset``. A network failure raises ``RelayUnreachable``; an
HTTP error comes back as an ``Answer`` for the caller (the outbox sender) to judge, or
raised as the matching ``bridge.core.errors`` class by ``raise_for_error``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from agent.clock import ClockOffset
from agent.credentials import StoredLogin
from agent.errors import RelayUnreachable
from bridge.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    RateLimited,
    TaskclockError,
    Unprocessable,
)

REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=10, connect=3)

_BY_STATUS: dict[int, type[TaskclockError]] = {
    400: InvalidInput, 401: NotAuthenticated, 403: Forbidden, 404: NotFound, 409: Conflict, 422: Unprocessable,
}


@dataclass(frozen=True)
class Answer:
    """One HTTP answer: status and JSON body (``{}`` when there was none)."""

    status: int
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def error(self) -> dict[str, Any]:
        """The ``{code, message}`` of an error answer."""
        error = self.body.get("error") if isinstance(self.body, dict) else None
        if isinstance(error, dict):
            return error
        return {"code": f"http_{self.status}", "message": f"the relay answered HTTP {self.status}"}


def raise_for_error(answer: Answer) -> dict[str, Any]:
    """The body of a success; raise the error class matching a failure."""
    if answer.ok:
        return answer.body
    error = answer.error
    code, message = str(error.get("code", "error")), str(error.get("message", "relay error"))
    if answer.status == 429:
        raise RateLimited(message, retry_after=int(error.get("retry_after", 1) or 1))
    if answer.status >= 500:
        raise RelayUnreachable(f"the relay failed: {message}")
    cls = _BY_STATUS.get(answer.status, TaskclockError)
    raise cls(message, code=code)


class RelayClient:
    """REST calls for one person: the access token is kept here, in memory only."""

    def __init__(self, login: StoredLogin, clock: ClockOffset) -> None:
        self.login = login
        self.clock = clock
        self.access_token: str | None = None
        self.user: dict[str, Any] | None = None
        self._session = aiohttp.ClientSession(timeout=REQUEST_TIMEOUT)

    async def close(self) -> None:
        await self._session.close()

    @property
    def base(self) -> str:
        return self.login.relay.rstrip("/")

    def api(self, path: str) -> str:
        """Absolute URL of an API path under ``/api/v1/{tenant}``."""
        return f"{self.base}/api/v1/{self.login.tenant}{path}"

    def live_url(self) -> str:
        """The websocket address of the live endpoint."""
        base = self.base.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
        return f"{base}/api/v1/{self.login.tenant}/live"

    async def _send(self, method: str, url: str, *, body: Any = None, query: dict[str, str] | None = None,
                    headers: dict[str, str] | None = None) -> Answer:
        if self._session.closed:
            raise RelayUnreachable("the agent is shutting down")
        sent = time.time()
        try:
            async with self._session.request(method, url, json=body, params=query, headers=headers) as response:
                received = time.time()
                self.clock.observe_date_header(sent, received, response.headers.get("Date"))
                try:
                    payload = await response.json(content_type=None)
                except (ValueError, aiohttp.ContentTypeError):
                    payload = {}
                return Answer(response.status, payload if isinstance(payload, dict) else {"items": payload})
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise RelayUnreachable(f"the relay at {self.base} cannot be reached ({type(exc).__name__})") from exc

    async def authenticate(self, kind: str, secret: str, otp: str | None = None) -> dict[str, Any]:
        """Trade a password, API token or refresh token for a session; return the login answer."""
        if kind == "password":
            path, body = "/auth/login", {"username": self.login.username, "password": secret}
            if otp:
                body["otp"] = otp
        elif kind == "api_token":
            path, body = "/auth/token-login", {"api_token": secret}
        else:
            path, body = "/auth/refresh", {"refresh_token": secret}
        answer = raise_for_error(await self._send("POST", self.api(path), body=body))
        self.access_token = str(answer["access_token"])
        self.user = answer.get("user") if isinstance(answer.get("user"), dict) else self.user
        return answer

    async def call(self, method: str, path: str, *, body: Any = None, query: dict[str, str] | None = None,
                   idempotency_key: str | None = None) -> Answer:
        """One authenticated API call; raise ``RelayUnreachable`` if no answer came."""
        headers = {"Authorization": f"Bearer {self.access_token}"} if self.access_token else {}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return await self._send(method, self.api(path), body=body, query=query, headers=headers)

    async def healthy(self) -> bool:
        """Whether ``GET /healthz`` answers; also refreshes the clock offset."""
        try:
            return (await self._send("GET", f"{self.base}/healthz")).ok
        except RelayUnreachable:
            return False
