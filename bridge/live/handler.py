"""``GET /api/v1/{tenant}/live``: the websocket handler, a thin shell around the hub.

One coroutine per socket reads (hello, then pings and token renewals); events are
written directly or, while the client lags, by a short-lived sender task
(``bridge.live.sockets``). The conversation is described in ``bridge.live``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from bridge import appkeys
from bridge.core.errors import InvalidInput, NotAuthenticated, NotFound, TaskclockError
from bridge.core.protocol import CLOSE_UNAUTHENTICATED, Hello, parse_hello
from bridge.core.roles import Action, Actor, allowed
from bridge.live import core
from bridge.live.sockets import Close, LiveSocket, Wire
from bridge.store import catchup

PATH = "/api/v1/{tenant}/live"
#: The hand-written OpenAPI entry (the route table describes only JSON routes).
OPENAPI: dict[str, Any] = {
    "get": {
        "summary": "Live events over a websocket: hello, welcome, missed events or snapshot, then events (CONTRACT.md)",
        "tags": ["live"],
        "parameters": [{"name": "tenant", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"101": {"description": "Switching protocols; the conversation is described in bridge.live"}},
    }
}
#: A client must say hello within this many seconds of connecting.
HELLO_TIMEOUT_SECONDS = 10.0
#: Protocol-level pings find dead TCP connections that send nothing (the JSON ping is
#: for clients). Our clients send a frame every 20 s, which resets this timer, so only
#: silent peers are pinged; 55 s stays under the 60 s idle timeout of common proxies,
#: and pinging 20,000 silent sockets every 30 s cost 8 % of a core (issue 8).
HEARTBEAT_SECONDS = 55.0
#: Client messages are small (hello, ping, auth).
MAX_MESSAGE_BYTES = 64 * 1024
#: Close code for a malformed hello (an application code, like 4401).
CLOSE_BAD_HELLO = 4400
#: Beyond this many bytes waiting in the transport, frames queue instead (flow control).
DIRECT_WRITE_LIMIT = 64 * 1024
#: How long a close may take before the connection is cut (a stalled reader).
CLOSE_TIMEOUT_SECONDS = 2.0


@dataclass
class Session:
    """Who is on a socket and until when their token holds."""

    actor: Actor
    expires_at: float
    notice_at: float
    noticed: bool = False


async def live(request: web.Request) -> web.StreamResponse:
    """Serve one live socket from hello to close."""
    # No permessage-deflate: frames are small JSON, and uncompressed frames can be
    # written straight to the transport (``_direct_writer``), rendered once per event.
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT_SECONDS, max_msg_size=MAX_MESSAGE_BYTES, compress=False)
    await ws.prepare(request)
    opened = await _hello(request, ws)
    if opened is None:
        return ws
    session, hello = opened
    try:
        watches = await _subscriptions(ws, session.actor, hello)
    except (ConnectionError, RuntimeError):
        return ws  # gone before the welcome
    await _serve(request, ws, session, hello.since, watches)
    return ws


async def _refuse(ws: web.WebSocketResponse, code: int, error: TaskclockError) -> None:
    with contextlib.suppress(ConnectionError, RuntimeError):
        await _text(ws, core.frame({"type": "error", "error": error.to_dict()}))
    with contextlib.suppress(ConnectionError, RuntimeError, asyncio.TimeoutError):
        await asyncio.wait_for(ws.close(code=code, message=error.code.encode()), CLOSE_TIMEOUT_SECONDS)


async def _hello(request: web.Request, ws: web.WebSocketResponse) -> tuple[Session, Hello] | None:
    """Read and check the hello; on failure send the reason, close, return ``None``."""
    try:
        message = await ws.receive(timeout=HELLO_TIMEOUT_SECONDS)
    except asyncio.TimeoutError:
        await _refuse(ws, CLOSE_UNAUTHENTICATED, NotAuthenticated("send a hello with your access token first"))
        return None
    if message.type != WSMsgType.TEXT:
        return None if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED) else await _bad_hello(ws)
    try:
        hello = parse_hello(json.loads(message.data))
    except (ValueError, InvalidInput) as exc:
        token_problem = not isinstance(exc, InvalidInput) or exc.field in (None, "token")
        code = CLOSE_UNAUTHENTICATED if token_problem else CLOSE_BAD_HELLO
        error = exc if isinstance(exc, InvalidInput) else InvalidInput("the hello is not JSON")
        await _refuse(ws, code, error)
        return None
    try:
        session = await _authenticate(request, hello.token)
    except (NotAuthenticated, NotFound) as exc:
        await _refuse(ws, CLOSE_UNAUTHENTICATED, exc if isinstance(exc, NotAuthenticated) else NotAuthenticated(exc.message))
        return None
    return session, hello


async def _bad_hello(ws: web.WebSocketResponse) -> None:
    await _refuse(ws, CLOSE_UNAUTHENTICATED, InvalidInput("the first message must be a JSON hello"))
    return None


async def _authenticate(request: web.Request, token: str, same_as: Actor | None = None) -> Session:
    """The session a token opens; with ``same_as``, it must be the same user."""
    tokens = request.app[appkeys.TOKENS]
    now = request.app[appkeys.CLOCK]()
    claims = await tokens.verify(token, now)
    actor = await tokens.actor_of_claims(request.match_info["tenant"], claims)
    if same_as is not None and (actor.user_id, actor.tenant_id) != (same_as.user_id, same_as.tenant_id):
        raise NotAuthenticated("a socket keeps its user: this token is someone else's")
    expires_at = float(claims.expires_at)
    return Session(actor, expires_at, core.renewal_notice_at(expires_at, time.time()))


async def _subscriptions(ws: web.WebSocketResponse, actor: Actor, hello: Hello) -> bool:
    """Whether the socket watches the activity feed; tells the client what it may not."""
    watches = False
    for channel in hello.subscribe:
        if channel != core.ACTIVITY:
            await _text(ws, core.error_frame("invalid_input", f"unknown channel {channel!r}", field="subscribe"))
        elif allowed(actor.role, Action.WATCH_ACTIVITY):
            watches = True
        else:
            await _text(ws, core.error_frame("forbidden", "only owners, admins and team leaders may watch the activity feed"))
    return watches


async def _serve(request: web.Request, ws: web.WebSocketResponse, session: Session, since: int, watches: bool) -> None:
    """Join the hub, catch up, then stream until the socket ends."""
    hub = request.app[appkeys.HUB]
    actor = session.actor
    sock = LiveSocket(actor.tenant_id, actor.user_id, watches, hub.queue_limit)
    sock.on_overflow(lambda: _drop(request, ws, sock))
    try:
        await hub.join(sock)
        owed = await catchup.catch_up(
            request.app[appkeys.DATABASE], actor, since, watches, request.app[appkeys.CLOCK](), core.needs_snapshot
        )
        await _replay(ws, owed)
        sock.attach(Wire(lambda payload: _text(ws, payload), lambda close: _close(ws, close), _direct_writer(request, ws)))
        hub.started(sock, owed.seq)
        if not sock.overflowed:
            await _receive_loop(request, ws, sock, session)
    except (ConnectionError, RuntimeError):
        pass  # the client went away mid-send
    except TaskclockError as exc:
        await _refuse(ws, core.CLOSE_TOO_SLOW, exc)
    finally:
        hub.leave(sock)
        await sock.detach()


async def _replay(ws: web.WebSocketResponse, owed: catchup.CatchUp) -> None:
    await _text(ws, core.welcome(owed.seq))
    if owed.snapshot is not None:
        await _text(ws, core.snapshot(owed.seq, owed.snapshot))
        return
    for event in owed.missed:
        await _text(ws, core.render(event.tenant_id, event.seq, event.user_id, event.name, event.data).frame)


async def _text(ws: web.WebSocketResponse, payload: bytes) -> None:
    """One text frame from already-encoded UTF-8 JSON."""
    await ws.send_frame(payload, WSMsgType.TEXT)


def _direct_writer(request: web.Request, ws: web.WebSocketResponse) -> Callable[[bytes], bool] | None:
    """Write a text frame to the transport synchronously, unless it is congested.

    Frames are whole ``transport.write`` calls, so they never interleave with aiohttp's
    own (pongs, pings, close); compression is off for live sockets. Above
    ``DIRECT_WRITE_LIMIT`` buffered bytes the socket takes the queued path, whose
    sender awaits the drain.
    """
    transport = request.transport
    if transport is None or ws.compress:
        return None

    def write(payload: bytes) -> bool:
        if ws.closed or transport.is_closing() or transport.get_write_buffer_size() > DIRECT_WRITE_LIMIT:
            return False
        transport.write(core.text_frame_header(len(payload)) + payload)
        return True

    return write


async def _close(ws: web.WebSocketResponse, close: Close) -> None:
    with contextlib.suppress(ConnectionError, RuntimeError, asyncio.TimeoutError):
        await asyncio.wait_for(ws.close(code=close.code, message=close.reason.encode()), CLOSE_TIMEOUT_SECONDS)


def _drop(request: web.Request, ws: web.WebSocketResponse, sock: LiveSocket) -> None:
    """A client fell ``queue_limit`` events behind: stop routing and writing to it, close it."""
    request.app[appkeys.HUB].leave(sock)
    task = asyncio.ensure_future(_stop_and_close(request, ws, sock))
    _closing.add(task)
    task.add_done_callback(_closing.discard)


async def _stop_and_close(request: web.Request, ws: web.WebSocketResponse, sock: LiveSocket) -> None:
    await sock.detach()
    await _close_or_cut(request, ws)


async def _close_or_cut(request: web.Request, ws: web.WebSocketResponse) -> None:
    """Close politely if the client still reads; otherwise cut the connection.

    A stalled reader's buffers are full, so the close frame may never leave: abort the
    transport rather than keep its buffered megabytes around.
    """
    transport = request.transport
    try:
        await asyncio.wait_for(ws.close(code=core.CLOSE_TOO_SLOW, message=b"too far behind; reconnect with since"), CLOSE_TIMEOUT_SECONDS)
    except (ConnectionError, RuntimeError, asyncio.TimeoutError):
        pass
    if transport is not None:
        transport.abort()  # no-op after a clean close; frees a stalled one's buffers


#: Close tasks of dropped clients, kept referenced until they finish.
_closing: set[asyncio.Future[Any]] = set()


async def _receive_loop(request: web.Request, ws: web.WebSocketResponse, sock: LiveSocket, session: Session) -> None:
    """Answer pings and token renewals; enforce the token's expiry."""
    while not ws.closed:
        deadline = session.expires_at if session.noticed else session.notice_at
        try:
            message = await ws.receive(timeout=max(0.0, deadline - time.time()))
        except asyncio.TimeoutError:
            if _deadline_passed(sock, session):
                await _await_close(ws)
                return
            continue
        if message.type != WSMsgType.TEXT:
            if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                return
            continue
        await _answer(request, sock, session, message.data)


def _deadline_passed(sock: LiveSocket, session: Session) -> bool:
    """Warn once before expiry; at expiry queue ``token_expired`` and a 4401 close."""
    if not session.noticed:
        session.noticed = True
        sock.send(core.error_frame(
            core.TOKEN_EXPIRING, 'the access token expires soon: send {"type": "auth", "token": ...} with a fresh one',
            expires_at=int(session.expires_at),
        ))
        return False
    sock.send(core.error_frame("token_expired", "the access token has expired; sign in again and reconnect with since"))
    sock.send(Close(CLOSE_UNAUTHENTICATED, "token_expired"))
    return True


async def _await_close(ws: web.WebSocketResponse) -> None:
    """Let the sender's close finish (bounded), reading what the client still sends."""
    with contextlib.suppress(asyncio.TimeoutError, RuntimeError):
        async with asyncio.timeout(CLOSE_TIMEOUT_SECONDS * 2):
            while not ws.closed:
                message = await ws.receive()
                if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                    return


async def _answer(request: web.Request, sock: LiveSocket, session: Session, text: str) -> None:
    try:
        message = core.parse_client_message(json.loads(text))
    except (ValueError, InvalidInput) as exc:
        error = exc if isinstance(exc, InvalidInput) else InvalidInput("messages are JSON")
        sock.send(core.error_frame(error.code, error.message))
        return
    if message.type == "ping":
        sock.send(core.PONG)
    elif message.type == core.AUTH:
        await _renew(request, sock, session, message.token or "")


async def _renew(request: web.Request, sock: LiveSocket, session: Session, token: str) -> None:
    """Swap the socket's token for a fresh one of the same user, or close with 4401."""
    try:
        fresh = await _authenticate(request, token, same_as=session.actor)
    except (NotAuthenticated, NotFound) as exc:
        sock.send(core.error_frame(exc.code if isinstance(exc, NotAuthenticated) else "not_authenticated", exc.message))
        sock.send(Close(CLOSE_UNAUTHENTICATED, "bad token"))
        return
    session.expires_at, session.notice_at, session.noticed = fresh.expires_at, fresh.notice_at, False
    sock.send(core.frame({"type": core.AUTH, "ok": True, "expires_at": int(fresh.expires_at)}))
