"""``taskclock agent login``: check a credential against the relay, then keep it.

Call ``login`` from the CLI handler. A password is never stored: it is traded for a
refresh token, which the daemon rotates; an API token is stored as it is (auto-login).
Nothing is written to the keyring unless the relay accepted the credential.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from agent.clock import ClockOffset
from agent.config import AgentConfig
from agent.credentials import Credentials, StoredLogin
from agent.errors import AgentError
from agent.relay_client import RelayClient
from bridge.core.errors import InvalidInput, NotAuthenticated

_EXPLAIN = {
    "api_token_disabled": "this API token no longer works because two-factor authentication is on; "
    "sign in with --password-stdin (password on the first line, the 6-digit code on the second)",
    "otp_required": "two-factor authentication is on: give the 6-digit code on the second line of stdin",
}


def check_relay_url(relay: str) -> str:
    """The relay URL without a trailing slash; raise ``InvalidInput`` if it is not http(s)."""
    parts = urlsplit(relay)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(f"--relay must be an http:// or https:// URL, not {relay!r}", field="relay")
    return relay.rstrip("/")


def login(config: AgentConfig, *, relay: str, tenant: str, username: str, kind: str, secret: str,
          otp: str | None = None) -> dict[str, Any]:
    """Sign in once; store the login in the keyring; return the relay's user."""
    relay = check_relay_url(relay)
    credentials = Credentials.open()
    pending = StoredLogin(relay=relay, tenant=tenant, username=username, kind=kind, secret=secret)
    answer = asyncio.run(_authenticate(pending, kind, secret, otp))
    if kind == "password":
        refresh = answer.get("refresh_token")
        if not refresh:
            raise AgentError("the relay accepted the password but issued no refresh token, so the agent "
                             "could not stay signed in; use --api-token-stdin", code="no_refresh_token")
        stored = StoredLogin(relay, tenant, username, "refresh_token", str(refresh))
    else:
        stored = pending
    credentials.save_login(stored)
    user = answer.get("user")
    return user if isinstance(user, dict) else {}


async def _authenticate(pending: StoredLogin, kind: str, secret: str, otp: str | None) -> dict[str, Any]:
    client = RelayClient(pending, ClockOffset())
    try:
        return await client.authenticate(kind, secret, otp)
    except NotAuthenticated as exc:
        raise NotAuthenticated(_EXPLAIN.get(exc.code, f"the relay refused the login: {exc.message}"),
                               code=exc.code) from exc
    finally:
        await client.close()
