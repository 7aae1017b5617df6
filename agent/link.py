"""The one connection to the relay per person: the only module importing ``websockets``.

Create a ``RelayLink`` in the daemon and run ``run()`` as a task. It signs in with the
login from the keyring, fetches today's state, holds the live websocket (``hello`` with
``since`` after every reconnect, so no event is missed) and reconnects with jittered
exponential backoff. The daemon learns what happens through the ``LinkListener`` it
passes in, and asks for a fresh session with ``reauthenticate()`` when a call got 401.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any, Protocol

import websockets
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from agent.backoff import Backoff
from agent.clock import ClockOffset
from agent.credentials import Credentials, StoredLogin
from agent.errors import AgentError, NotLoggedIn, RelayUnreachable
from agent.relay_client import RelayClient, raise_for_error
from bridge.core.errors import NotAuthenticated, TaskclockError
from bridge.core.protocol import CLOSE_UNAUTHENTICATED

log = logging.getLogger("taskclock.agent.link")



class LiveUnavailable(AgentError):
    """The REST API answers but the live websocket does not (yet)."""

    code = "live_unavailable"


class LinkListener(Protocol):
    """What the daemon does when the link changes; all called on the event loop."""

    def on_connection(self, state: str, detail: str | None) -> None: ...
    def on_today(self, today: dict[str, Any]) -> None: ...
    def on_live(self, message: dict[str, Any]) -> None: ...
    def saved_seq(self, account: str) -> int: ...


class RelayLink:
    """Signs in, keeps the websocket, and tells the listener."""

    def __init__(self, credentials: Credentials, listener: LinkListener, *, max_backoff: float = 10.0) -> None:
        self._credentials = credentials
        self._listener = listener
        self._backoff = Backoff(maximum=max_backoff)
        self._wake = asyncio.Event()
        self._auth_lock = asyncio.Lock()
        self.clock = ClockOffset()
        self.client: RelayClient | None = None
        #: Set while the REST API answers (commands can be forwarded).
        self.online = asyncio.Event()
        #: True while the live websocket is welcomed (events arrive).
        self.live = False
        #: How many live sessions the relay has welcomed (a reconnect adds one).
        self.live_sessions = 0
        self.state = "starting"
        self.detail: str | None = None
        self.last_seq = 0

    @property
    def login(self) -> StoredLogin | None:
        return self.client.login if self.client else None

    def poke(self) -> None:
        """Cut the current backoff short: call when a command waits while offline."""
        self._wake.set()

    def _set_state(self, state: str, detail: str | None = None) -> None:
        if (state, detail) != (self.state, self.detail):
            self.state, self.detail = state, detail
            log.info("link %s%s", state, f": {detail}" if detail else "")
            self._listener.on_connection(state, detail)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()

    async def run(self) -> None:
        """Connect, serve, reconnect, for ever; cancel the task to stop."""
        while True:
            try:
                await self._session_once()
            except LiveUnavailable as exc:
                # REST works, only live updates do not: commands keep flowing meanwhile.
                self._set_state("online", exc.message)
                await self._pause()
                continue
            except NotLoggedIn as exc:
                self._set_state("signed_out", exc.message)
            except NotAuthenticated as exc:
                state = "connecting" if exc.code == "token_expired" else "signed_out"
                self._set_state(state, _explain_refusal(exc))
            except (RelayUnreachable, OSError, InvalidHandshake, InvalidURI, ConnectionClosed,
                    asyncio.TimeoutError) as exc:
                self._set_state("offline", str(getattr(exc, "message", exc)) or type(exc).__name__)
            except TaskclockError as exc:
                self._set_state("offline", exc.message)
            except Exception as exc:  # noqa: BLE001 - a relay bug must not end the link for good
                log.exception("unexpected failure on the relay connection")
                self._set_state("offline", f"unexpected {type(exc).__name__}")
            self.online.clear()
            await self._pause()

    async def _pause(self) -> None:
        delay = self._backoff.next_delay()
        self._wake.clear()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._wake.wait(), delay)

    def _client_for(self, login: StoredLogin) -> RelayClient:
        if self.client is None or self.client.login.account != login.account:
            if self.client is not None:
                asyncio.get_running_loop().create_task(self.client.close())
            self.client = RelayClient(login, self.clock)
            self.last_seq = self._listener.saved_seq(login.account)
        else:
            self.client.login = login
        return self.client

    async def reauthenticate(self) -> RelayClient:
        """Sign in again with the stored login (re-read, so a new `agent login` counts)."""
        async with self._auth_lock:
            login = self._credentials.load_login()
            client = self._client_for(login)
            answer = await client.authenticate(login.kind, login.secret)
            if login.kind == "refresh_token" and answer.get("refresh_token"):
                # Refresh tokens rotate: keep the new one or the next start is signed out.
                rotated = StoredLogin(login.relay, login.tenant, login.username, login.kind,
                                      str(answer["refresh_token"]))
                self._credentials.save_login(rotated)
                client.login = rotated
            return client

    async def _session_once(self) -> None:
        if not self.online.is_set() and self.state != "signed_out":
            self._set_state("connecting")  # signed_out stays until a sign-in works
        client = await self.reauthenticate()
        self._listener.on_today(raise_for_error(await client.call("GET", "/today")))
        self.online.set()
        self._set_state("online", self.detail if self.state == "online" else None)
        try:
            socket = await websockets.connect(client.live_url(), open_timeout=5, close_timeout=2,
                                              max_size=16 * 1024 * 1024)
        except (OSError, InvalidHandshake, InvalidURI, asyncio.TimeoutError) as exc:
            if await client.healthy():
                raise LiveUnavailable(f"live updates unavailable ({type(exc).__name__}: {exc})") from exc
            raise RelayUnreachable("the relay cannot be reached") from exc
        try:
            async with socket:
                await socket.send(json.dumps({"type": "hello", "token": client.access_token, "since": self.last_seq}))
                await self._serve(socket, client)
        finally:
            self.live = False

    async def _serve(self, socket: Any, client: RelayClient) -> None:
        try:
            async for raw in socket:
                message = _parse(raw)
                if message is None:
                    continue
                kind = message.get("type")
                if kind == "welcome":
                    self._welcomed(message)
                elif kind in ("event", "snapshot"):
                    self.last_seq = max(self.last_seq, int(message.get("seq") or 0))
                    self._listener.on_live(message)
                elif kind == "ping":
                    await socket.send(json.dumps({"type": "pong"}))
                elif kind == "error":
                    await self._relay_error(socket, message.get("error"))
        except ConnectionClosed as exc:
            if exc.rcvd is not None and exc.rcvd.code == CLOSE_UNAUTHENTICATED:
                client.access_token = None
                raise NotAuthenticated("the relay closed the live connection: token refused",
                                       code="token_expired") from exc
            raise RelayUnreachable("the live connection was lost") from exc
        raise RelayUnreachable("the relay closed the live connection")

    async def _relay_error(self, socket: Any, error: Any) -> None:
        """Renew the token when the relay warns it expires; log anything else."""
        code = error.get("code") if isinstance(error, dict) else None
        if code != "token_expiring":
            log.warning("relay said: %s", error)
            return
        try:
            client = await self.reauthenticate()
        except TaskclockError as exc:
            log.warning("could not renew the session: %s", exc.message)
            return  # the relay closes with 4401 at expiry; run() signs in again
        await socket.send(json.dumps({"type": "auth", "token": client.access_token}))

    def _welcomed(self, message: dict[str, Any]) -> None:
        self._backoff.reset()
        seq = int(message.get("seq") or 0)
        if seq < self.last_seq:
            self.last_seq = seq  # the relay's log was reset: take what it has
        self.live = True
        self.live_sessions += 1
        self._set_state("online")


def _parse(raw: str | bytes) -> dict[str, Any] | None:
    try:
        message = json.loads(raw)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def _explain_refusal(exc: NotAuthenticated) -> str:
    if exc.code == "api_token_disabled":
        return ("the stored API token was disabled because two-factor authentication was turned on; "
                "sign in with a password: `taskclock agent login ... --password-stdin`")
    if exc.code == "refresh_reused":
        return "the session was revoked; sign in again with `taskclock agent login`"
    return f"the relay refused the stored login ({exc.message}); run `taskclock agent login` again"


__all__ = ["LinkListener", "LiveUnavailable", "RelayLink"]
