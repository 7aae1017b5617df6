"""The dispatcher: one ``Route`` table, one way every request is handled.

For each request: authenticate (unless the route is public), parse the body and query
strictly, then run the handler inside one read session (GET) or one write transaction
(everything else). Routes marked ``one_trip`` have a plain (not async) handler of Core
statements that ``Database.run_write`` runs in a single trip to the database: the
timer commands, which every click sends. A write with an ``Idempotency-Key`` stores
its answer in that same transaction and replays it for a repeat. ``error_middleware`` turns every
``TaskclockError`` into CONTRACT.md's error shape: the only place that maps errors to
HTTP statuses.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from bridge import appkeys
from bridge.api.json_answers import json_answer
from bridge.api.schemas import parse_body, parse_query
from bridge.core import errors
from bridge.core.roles import Actor
from bridge.auth.tokens import AccessClaims
from bridge.store import accounts, idempotency
from bridge.store.database import Trip, Tx
from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger(__name__)

STATUS: dict[type[errors.TaskclockError], int] = {
    errors.InvalidInput: 400,
    errors.NotAuthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.Unprocessable: 422,
    errors.RateLimited: 429,
}
MAX_IDEMPOTENCY_KEY = 100


def status_of(exc: errors.TaskclockError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]  # type: ignore[index]
    return 500


def error_response(status: int, code: str, message: str, **extra: Any) -> web.Response:
    return json_answer({"error": {"code": code, "message": message, **extra}}, status)


@web.middleware
async def error_middleware(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """Translate errors to HTTP at the edge, and only here."""
    try:
        return await handler(request)
    except errors.TaskclockError as exc:
        response = json_answer({"error": exc.to_dict()}, status_of(exc))
        if isinstance(exc, errors.RateLimited):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.status, "http_error")
        return error_response(exc.status, code, exc.reason)
    except Exception:
        log.exception("unhandled error in %s %s", request.method, request.path)
        return error_response(500, "internal", "the relay failed; the change was not made")


@dataclass
class Call:
    """What a handler gets: the request, who asks, the parsed input, one clock reading."""

    request: web.Request
    now: datetime
    actor: Actor | None
    session: AsyncSession
    tx: Tx | None = None
    body: Any = None
    query: Any = None

    @property
    def app(self) -> web.Application:
        return self.request.app

    @property
    def me(self) -> Actor:
        assert self.actor is not None, "route is public"
        return self.actor

    @property
    def write(self) -> Tx:
        assert self.tx is not None, "route is read-only"
        return self.tx

    def path_int(self, name: str) -> int:
        try:
            return int(self.request.match_info[name])
        except ValueError:
            raise errors.NotFound(f"no such {name.removesuffix('_id')}") from None


@dataclass(frozen=True)
class Command:
    """What a one-trip handler gets: who asks, the parsed body, one clock reading, the trip."""

    now: datetime
    actor: Actor
    body: Any
    trip: Trip


Result = "dict[str, Any] | tuple[int, dict[str, Any]]"
Handler = Callable[[Call], Awaitable[Result]]
TripHandler = Callable[[Command], Result]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler | TripHandler
    summary: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    public: bool = False
    tags: tuple[str, ...] = field(default_factory=tuple)
    #: Read-only POSTs (login: slow hashing must not hold the writer) say False and
    #: open their own short write transaction when they need one.
    writes: bool | None = None
    #: The handler is a ``TripHandler`` (authenticated writes only).
    one_trip: bool = False

    @property
    def in_write_transaction(self) -> bool:
        return self.method != "GET" if self.writes is None else self.writes


def _answer(route: Route, status: int, payload: dict[str, Any]) -> web.Response:
    response = json_answer(payload, status)
    if "auth" in route.tags:
        # Token answers must never sit in a cache (RFC 6749 section 5.1).
        response.headers["Cache-Control"] = "no-store"
    return response


def _split(result: dict[str, Any] | tuple[int, dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    return result if isinstance(result, tuple) else (200, result)


async def dispatch(route: Route, request: web.Request) -> web.Response:
    """Run one request through ``route``; see the module docstring."""
    app = request.app
    now = app[appkeys.CLOCK]()
    if route.one_trip:  # the user is looked up inside the command's trip
        claims = await app[appkeys.TOKENS].claims_of(request, now)
        body = parse_body(route.body, await request.read()) if route.body else None
        return await _in_one_trip(route, request, now, claims, body)
    actor = None if route.public else await app[appkeys.TOKENS].authenticate(request, now)
    body = parse_body(route.body, await request.read()) if route.body else None
    query = parse_query(route.query, dict(request.query)) if route.query else None
    database = app[appkeys.DATABASE]
    if not route.in_write_transaction:
        async with database.read() as session:
            status, payload = _split(await route.handler(Call(request, now, actor, session, body=body, query=query)))
        return _answer(route, status, payload)
    key = request.headers.get("Idempotency-Key")
    if key is None or actor is None:
        async with database.write() as tx:
            status, payload = _split(await route.handler(Call(request, now, actor, tx.session, tx, body, query)))
        return _answer(route, status, payload)
    return await _idempotent(route, request, now, actor, key, body, query)


def _checked_key(key: str) -> str:
    if not key or len(key) > MAX_IDEMPOTENCY_KEY:
        raise errors.InvalidInput("Idempotency-Key must be 1 to 100 characters", field="Idempotency-Key")
    return key


def _replay(route: Route, prior: tuple[int, dict[str, Any]]) -> web.Response:
    response = _answer(route, *prior)
    response.headers["Idempotent-Replayed"] = "true"
    return response


async def _in_one_trip(route: Route, request: web.Request, now: datetime, claims: AccessClaims, body: Any) -> web.Response:
    key = request.headers.get("Idempotency-Key")
    fingerprint = None
    if key is not None:
        fingerprint = idempotency.request_fingerprint(request.method, request.path, await request.read())
    database = request.app[appkeys.DATABASE]
    try:
        status, payload, replayed = await database.run_write(
            _trip, route.handler, now, (request.match_info["tenant"], claims), body, None if key is None else _checked_key(key), fingerprint
        )
    except idempotency.DuplicateKey:
        # A racing twin committed first (PostgreSQL): ours rolled back; answer as it did.
        prior = await database.run_read(idempotency.lookup_on, claims.tenant_id, claims.user_id, key, fingerprint)
        if prior is None:
            raise
        return _replay(route, prior)
    return _replay(route, (status, payload)) if replayed else _answer(route, status, payload)


def _trip(
    trip: Trip, handler: TripHandler, now: datetime, token: tuple[str, AccessClaims], body: Any, key: str | None,
    fingerprint: str | None,
) -> tuple[int, dict[str, Any], bool]:
    """Inside the trip: who asks, then a repeat's stored answer, or the command and its
    stored answer."""
    actor = accounts.actor_for_claims(trip.connection, *token)
    if key is not None and fingerprint is not None:
        prior = idempotency.lookup_on(trip.connection, actor.tenant_id, actor.user_id, key, fingerprint)
        if prior is not None:
            return (*prior, True)
    status, payload = _split(handler(Command(now, actor, body, trip)))
    if key is not None and fingerprint is not None:
        idempotency.remember_on(trip.connection, actor.tenant_id, actor.user_id, key, fingerprint, status, payload, now)
    return status, payload, False


async def _idempotent(
    route: Route, request: web.Request, now: datetime, actor: Actor, key: str, body: Any, query: Any
) -> web.Response:
    _checked_key(key)
    fingerprint = idempotency.request_fingerprint(request.method, request.path, await request.read())
    database = request.app[appkeys.DATABASE]
    try:
        async with database.write() as tx:
            prior = await idempotency.lookup(tx.session, actor.tenant_id, actor.user_id, key, fingerprint)
            if prior is None:
                status, payload = _split(await route.handler(Call(request, now, actor, tx.session, tx, body, query)))
                await idempotency.remember(tx, actor.tenant_id, actor.user_id, key, fingerprint, status, payload, now)
    except idempotency.DuplicateKey:
        # A racing twin committed first (PostgreSQL): ours rolled back; answer as it did.
        async with database.read() as session:
            prior = await idempotency.lookup(session, actor.tenant_id, actor.user_id, key, fingerprint)
    if prior is not None:
        return _replay(route, prior)
    return _answer(route, status, payload)


def add_routes(app: web.Application, routes: list[Route]) -> None:
    """Register the table with aiohttp."""
    for route in routes:

        async def handle(request: web.Request, route: Route = route) -> web.StreamResponse:
            return await dispatch(route, request)

        app.router.add_route(route.method, route.path, handle)
