"""Signing in: the token service, password login, and turning a bearer token into an Actor.

``TokenService`` is created once per app (cleanup context in ``bridge.app``). It loads
the signing keys from the database (creating the first one, rotating one that is older
than ``tokens.KEY_MAX_AGE_DAYS``) and reloads them when a token names a key it has not
seen, which is how several relay processes agree. Every sign-in (password, API token,
legacy call) goes through ``start_session``: one refresh token family, whose id the
access tokens carry as ``sid``, so that logout or a reused refresh token ends them too.

Password login runs outside the writer (``Route.writes=False``): the Argon2id check takes
tens of milliseconds and must not queue every other write behind it; a short write
transaction afterwards records the outcome.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any, NoReturn

from aiohttp import web

from bridge import appkeys
from bridge.api.edge import Call, Route
from bridge.api.schemas import LoginBody
from bridge.auth import opaque, passwords, ratelimit, totp
from bridge.auth.tokens import (
    AccessClaims,
    KeyRing,
    new_key_material,
    retirable,
    rotation_due,
)
from bridge.core.errors import NotAuthenticated, TaskclockError
from bridge.core.roles import Actor
from bridge.settings import Settings
from bridge.store import accounts, credentials
from bridge.store.database import Database, Tx
from bridge.store.models import User


class TokenService:
    """Issues and checks access and refresh tokens for one relay process."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self._database = database
        self._settings = settings
        self._ring: KeyRing | None = None
        #: Failed sign-ins per client address; tests may swap in a tighter one.
        self.addresses = ratelimit.AddressLimiter()

    async def load(self, now: datetime) -> None:
        """Read the signing keys; create the first one, or rotate an old one."""
        async with self._database.read() as session:
            keys = await accounts.signing_keys(session)
        if not keys or rotation_due(keys, now):
            await self.rotate(now, keys)
            return
        self._ring = KeyRing(keys, self._settings.issuer, self._settings.audience)

    async def rotate(self, now: datetime, keys: list[Any] | None = None) -> str:
        """Sign with a fresh key from now on; keys no live token can carry are retired.

        Tokens signed with the previous key keep verifying until they expire. Returns
        the new key's ``kid``.
        """
        if keys is None:
            async with self._database.read() as session:
                keys = await accounts.signing_keys(session)
        # Strictly newer than every key, so that "the newest signs" is never a tie.
        latest = max((k.created_at for k in keys), default=now - timedelta(seconds=1))
        key = new_key_material(max(now, latest + timedelta(seconds=1)))
        keys = [*keys, key]
        retired = retirable(keys, now, self._settings.access_token_seconds)
        async with self._database.write() as tx:
            accounts.add_signing_key(tx, key)
            await credentials.retire_signing_keys(tx, retired, now)
        live = [k for k in keys if k.kid not in retired]
        self._ring = KeyRing(live, self._settings.issuer, self._settings.audience)
        return key.kid

    async def rotate_if_due(self, now: datetime) -> None:
        """Cheap check before signing: another process may have rotated already."""
        if rotation_due(self.ring.keys, now):
            await self.load(now)

    @property
    def ring(self) -> KeyRing:
        assert self._ring is not None, "TokenService.load() was not awaited"
        return self._ring

    def issue(self, actor: Actor, now: datetime, session_id: str | None = None) -> dict[str, Any]:
        """The access-token part of a sign-in answer."""
        lifetime = self._settings.access_token_seconds
        return {
            "access_token": self.ring.issue(actor.user_id, actor.tenant_id, now, lifetime, session_id),
            "token_type": "Bearer",
            "expires_in": lifetime,
        }

    async def start_session(self, tx: Tx, user: User, method: str, now: datetime) -> dict[str, Any]:
        """A new sign-in: refresh family, first refresh token, access token, user."""
        family_id = await credentials.new_family(tx, user.tenant_id, user.id, method, now)  # type: ignore[arg-type]
        return await self.continue_session(tx, user, family_id, now)

    async def continue_session(self, tx: Tx, user: User, family_id: str, now: datetime) -> dict[str, Any]:
        """The next refresh token of a family, with a fresh access token."""
        await self.rotate_if_due(now)
        refresh = opaque.REFRESH_TOKEN.new()
        expires = now + timedelta(seconds=self._settings.refresh_token_seconds)
        await credentials.add_refresh_token(tx, user.tenant_id, family_id, opaque.digest(refresh), now, expires)
        access = self.issue(accounts.actor_of(user), now, family_id)
        return {**access, "refresh_token": refresh, "refresh_expires_in": self._settings.refresh_token_seconds, "user": accounts.user_view(user)}

    async def verify(self, token: str, now: datetime) -> AccessClaims:
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
        return await self.actor_of_claims(slug, await self.verify(token, now))

    async def actor_of_claims(self, slug: str, claims: AccessClaims) -> Actor:
        """``actor_for`` with the token verified already."""
        return await self._database.run_read(accounts.actor_for_claims, slug, claims)

    async def claims_of(self, request: web.Request, now: datetime) -> AccessClaims:
        """The verified claims of a request's ``Authorization: Bearer`` header; the user
        they name must still be looked up (``accounts.actor_for_claims``)."""
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated("sign in first: send Authorization: Bearer <access token>")
        return await self.verify(token.strip(), now)

    async def authenticate(self, request: web.Request, now: datetime) -> Actor:
        """The Actor of a request's ``Authorization: Bearer`` header."""
        return await self.actor_of_claims(request.match_info.get("tenant", ""), await self.claims_of(request, now))


def token_service(call: Call) -> TokenService:
    return call.app[appkeys.TOKENS]


def client_address(request: web.Request) -> str:
    """The peer address (see ``bridge.auth.ratelimit`` about reverse proxies)."""
    return request.remote or "unknown"


async def hash_password(settings: Settings, password: str) -> str:
    """Argon2id off the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        None, passwords.hash_password, password, settings.argon2_memory_kib, settings.argon2_iterations
    )


async def check_password(password: str, encoded: str | None) -> bool:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, passwords.verify_password, password, encoded)


async def refuse(call: Call, error: TaskclockError, user: User | None = None) -> NoReturn:
    """Count a failed sign-in (per address, and per account when known), then raise."""
    token_service(call).addresses.record_failure(client_address(call.request), call.now)
    if user is not None:
        async with call.app[appkeys.DATABASE].write() as tx:
            await credentials.record_account_failure(tx, user.tenant_id, user.id, call.now)  # type: ignore[arg-type]
    raise error


def second_factor_step(user: User, otp: str | None, now: datetime) -> int | None:
    """The TOTP step a sign-in's code matched; ``otp_required`` when none was given."""
    if otp is None:
        raise NotAuthenticated("this account uses two-factor authentication: send otp", code="otp_required")
    return totp.accepted_step(user.totp_secret or "", otp, now, user.totp_last_step)


INVALID_OTP = "the one-time code is wrong, expired or used already"


async def login(call: Call) -> dict[str, Any]:
    """Username, password and (with 2FA) a one-time code to a token pair."""
    body: LoginBody = call.body
    token_service(call).addresses.check(client_address(call.request), call.now)
    tenant = await accounts.tenant_by_slug(call.session, call.request.match_info["tenant"])
    user = await accounts.user_by_name(call.session, tenant.id, body.username)  # type: ignore[arg-type]
    if user is not None:
        ratelimit.check_account(await credentials.account_failures(call.session, tenant.id, user.id), call.now)  # type: ignore[arg-type]
    await call.session.close()  # hand the reader back while Argon2id runs
    if not await check_password(body.password, user.password_hash if user else None) or user is None:
        await refuse(call, NotAuthenticated("wrong username or password", code="invalid_credentials"), user)
    assert user is not None
    step = second_factor_step(user, body.otp, call.now) if user.totp_enabled else None
    if user.totp_enabled and step is None:
        await refuse(call, NotAuthenticated(INVALID_OTP, code="invalid_otp"), user)
    async with call.app[appkeys.DATABASE].write() as tx:
        if step is None or await credentials.claim_totp_step(tx, tenant.id, user.id, step):  # type: ignore[arg-type]
            await credentials.clear_account_failures(tx, tenant.id, user.id)  # type: ignore[arg-type]
            return await token_service(call).start_session(tx, user, "password", call.now)
    # The code was valid a moment ago but a racing sign-in spent it: no code counts twice.
    await refuse(call, NotAuthenticated(INVALID_OTP, code="invalid_otp"), user)


async def me(call: Call) -> dict[str, Any]:
    user = await accounts.user_by_id(call.session, call.me.tenant_id, call.me.user_id)
    tenant = await accounts.tenant_by_slug(call.session, call.request.match_info["tenant"])
    return {**accounts.user_view(user), "tenant": {"slug": tenant.slug, "name": tenant.name}}


ROUTES = [
    Route("POST", "/api/v1/{tenant}/auth/login", login, "Sign in with username, password and (with 2FA) otp", body=LoginBody, public=True, tags=("auth",), writes=False),
    Route("GET", "/api/v1/{tenant}/me", me, "The signed-in user, role, time zone and 2FA state", tags=("auth",)),
]
