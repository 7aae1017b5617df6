"""Signing in: password login, access tokens, and turning a bearer token into an Actor.

``TokenService`` is created once per app (cleanup context in ``bridge.app``). It loads
the signing keys from the database (creating the first one) and reloads them when a
token names a key it has not seen, which is how several relay processes agree.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from aiohttp import web

from bridge import appkeys
from bridge.api.edge import Call, Route
from bridge.api.schemas import LoginBody
from bridge.auth import passwords
from bridge.auth.tokens import KeyRing, new_key_material
from bridge.core.errors import NotAuthenticated, NotFound
from bridge.core.roles import Actor
from bridge.settings import Settings
from bridge.store import accounts
from bridge.store.database import Database


class TokenService:
    """Issues and checks access tokens for one relay process."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self._database = database
        self._settings = settings
        self._ring: KeyRing | None = None

    async def load(self, now: datetime) -> None:
        """Read the signing keys; create the first one on an empty database."""
        async with self._database.read() as session:
            keys = await accounts.signing_keys(session)
        if not keys:
            key = new_key_material(now)
            async with self._database.write() as tx:
                accounts.add_signing_key(tx, key)
            keys = [key]
        self._ring = KeyRing(keys, self._settings.issuer, self._settings.audience)

    @property
    def ring(self) -> KeyRing:
        assert self._ring is not None, "TokenService.load() was not awaited"
        return self._ring

    def issue(self, actor: Actor, now: datetime) -> dict[str, Any]:
        """The token part of a login answer."""
        lifetime = self._settings.access_token_seconds
        return {
            "access_token": self.ring.issue(actor.user_id, actor.tenant_id, now, lifetime),
            "token_type": "Bearer",
            "expires_in": lifetime,
        }

    async def verify(self, token: str, now: datetime) -> Any:
        """Claims of a valid token; reloads keys once for an unknown ``kid``."""
        try:
            return self.ring.verify(token)
        except NotAuthenticated as exc:
            if "unknown key" not in exc.message:
                raise
        await self.load(now)
        return self.ring.verify(token)

    async def actor_for(self, slug: str, token: str, now: datetime) -> Actor:
        """The user a token stands for, within the tenant named by ``slug``."""
        claims = await self.verify(token, now)
        async with self._database.read() as session:
            tenant = await accounts.tenant_by_slug(session, slug)
            if claims.tenant_id != tenant.id:
                raise NotFound(f"no company {slug!r}")
            try:
                user = await accounts.user_by_id(session, tenant.id, claims.user_id)
            except NotFound:
                raise NotAuthenticated("the user of this token no longer exists") from None
        return accounts.actor_of(user)

    async def authenticate(self, request: web.Request, now: datetime) -> Actor:
        """The Actor of a request's ``Authorization: Bearer`` header."""
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated("sign in first: send Authorization: Bearer <access token>")
        return await self.actor_for(request.match_info.get("tenant", ""), token.strip(), now)


async def hash_password(settings: Settings, password: str) -> str:
    """Argon2id off the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        None, passwords.hash_password, password, settings.argon2_memory_kib, settings.argon2_iterations
    )


async def check_password(password: str, encoded: str | None) -> bool:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, passwords.verify_password, password, encoded)


async def login(call: Call) -> dict[str, Any]:
    """Username and password to an access token (2FA and refresh: see auth issue)."""
    body: LoginBody = call.body
    tenant = await accounts.tenant_by_slug(call.session, call.request.match_info["tenant"])
    user = await accounts.user_by_name(call.session, tenant.id, body.username)  # type: ignore[arg-type]
    valid = await check_password(body.password, user.password_hash if user else None)
    if user is None or not valid:
        raise NotAuthenticated("wrong username or password", code="invalid_credentials")
    actor = accounts.actor_of(user)
    tokens = call.app[appkeys.TOKENS]
    return {**tokens.issue(actor, call.now), "refresh_token": None, "user": accounts.user_view(user)}


async def me(call: Call) -> dict[str, Any]:
    user = await accounts.user_by_id(call.session, call.me.tenant_id, call.me.user_id)
    tenant = await accounts.tenant_by_slug(call.session, call.request.match_info["tenant"])
    return {**accounts.user_view(user), "tenant": {"slug": tenant.slug, "name": tenant.name}}


ROUTES = [
    Route("POST", "/api/v1/{tenant}/auth/login", login, "Sign in with username and password", body=LoginBody, public=True, tags=("auth",), writes=False),
    Route("GET", "/api/v1/{tenant}/me", me, "The signed-in user, role, time zone and 2FA state", tags=("auth",)),
]
