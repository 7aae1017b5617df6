"""Routes for credentials: API tokens, two-factor, the development key, token-login,
refresh, logout and the documented legacy call ``GET /{tenant}/login``.

Routes whose answer reveals a secret (a new API token, development key or TOTP secret;
every token pair) run with ``writes=False`` and open their own short write: the
idempotency store keeps answers in the database, and a secret must neither be stored in
plain text nor be shown twice. A wrong one-time code on enable/disable is answered
(not raised) so that the failure counted against the account is committed.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

from bridge import appkeys
from bridge.api import schemas
from bridge.api.edge import Call, Route, status_of
from bridge.api.signin import INVALID_OTP, client_address, refuse, token_service
from bridge.auth import opaque, ratelimit, totp
from bridge.core.errors import Conflict, NotAuthenticated, TaskclockError
from bridge.core.roles import Action, require
from bridge.store import accounts, credentials
from bridge.store.database import Tx
from bridge.store.models import Tenant, User

T = "/api/v1/{tenant}"
#: Sign-ins that rested on an API token; enabling 2FA ends them.
TOKEN_METHODS = ("api_token", "legacy")


def _answer(error: TaskclockError) -> tuple[int, dict[str, Any]]:
    return status_of(error), {"error": error.to_dict()}


# ---- API tokens ---------------------------------------------------------------------


async def issue_api_token(call: Call) -> tuple[int, dict[str, Any]]:
    """A new API token for the caller, shown once; the previous one stops working."""
    async with call.app[appkeys.DATABASE].write() as tx:
        user = await accounts.user_by_id(tx.session, call.me.tenant_id, call.me.user_id)
        token = await new_api_token(tx, user, call.now)
    return 201, {"api_token": token, "created_at": call.now.isoformat()}


async def new_api_token(tx: Tx, user: User, now: datetime) -> str:
    """Store a fresh token's hash and return the token; refused while 2FA is on."""
    if user.totp_enabled:
        raise Conflict("API tokens stop working while two-factor authentication is on", code="api_token_disabled")
    token = opaque.API_TOKEN.new()
    await credentials.replace_api_token(tx, user.tenant_id, user.id, opaque.digest(token), now)  # type: ignore[arg-type]
    return token


async def revoke_api_token(call: Call) -> dict[str, Any]:
    revoked = await credentials.delete_api_tokens(call.write, call.me.tenant_id, call.me.user_id)
    await credentials.revoke_families(call.write, call.me.tenant_id, call.me.user_id, TOKEN_METHODS, call.now)
    return {"revoked": revoked > 0}


async def _user_of_api_token(call: Call, tenant: Tenant, presented: str) -> tuple[int, User]:
    """The token row id and user of a presented API token, or a counted refusal."""
    if not opaque.API_TOKEN.well_formed(presented.strip()):
        await refuse(call, NotAuthenticated("this is not a valid API token (mistyped?)", code="invalid_credentials"))
    found = await credentials.api_token_user(call.session, tenant.id, opaque.digest(presented.strip()))  # type: ignore[arg-type]
    if found is None:
        await refuse(call, NotAuthenticated("unknown or revoked API token", code="invalid_credentials"))
    row, user = found
    if row.disabled_at is not None or user.totp_enabled:
        raise NotAuthenticated("API tokens stop working once two-factor authentication is on", code="api_token_disabled")
    return row.id, user  # type: ignore[return-value]


async def _token_sign_in(call: Call, tenant: Tenant, presented: str, method: str) -> dict[str, Any]:
    token_id, user = await _user_of_api_token(call, tenant, presented)
    async with call.app[appkeys.DATABASE].write() as tx:
        await credentials.touch_api_token(tx, tenant.id, token_id, call.now)  # type: ignore[arg-type]
        return await token_service(call).start_session(tx, user, method, call.now)


async def token_login(call: Call) -> dict[str, Any]:
    """An API token to a token pair (auto-login of the agent and the extension)."""
    token_service(call).addresses.check(client_address(call.request), call.now)
    tenant = await accounts.tenant_by_slug(call.session, call.request.match_info["tenant"])
    return await _token_sign_in(call, tenant, call.body.api_token, "api_token")


async def legacy_login(call: Call) -> dict[str, Any]:
    """``GET /{tenant}/login?api_dev_key=K&token=T``: both must be valid and this tenant's."""
    query: schemas.LegacyLoginQuery = call.query
    token_service(call).addresses.check(client_address(call.request), call.now)
    tenant = await accounts.tenant_by_slug(call.session, call.request.match_info["tenant"])
    key = query.api_dev_key.strip()
    stored = tenant.dev_key_hash or ""
    if not (opaque.DEV_KEY.well_formed(key) and stored and hmac.compare_digest(opaque.digest(key), stored)):
        await refuse(call, NotAuthenticated("this is not the company's API development key", code="invalid_credentials"))
    return await _token_sign_in(call, tenant, query.token, "legacy")


# ---- refresh and logout -------------------------------------------------------------

_REFRESH_REFUSALS = {
    credentials.Rotation.UNKNOWN: ("unknown refresh token", "invalid_credentials"),
    credentials.Rotation.EXPIRED: ("the refresh token has expired; sign in again", "token_expired"),
    credentials.Rotation.REVOKED: ("this sign-in has ended; sign in again", "not_authenticated"),
    credentials.Rotation.REUSED: ("this refresh token was used already; the sign-in is revoked", "refresh_reused"),
}


async def refresh(call: Call) -> dict[str, Any]:
    """A refresh token to a new pair; the old one is spent, a reuse revokes the family."""
    presented = opaque.REFRESH_TOKEN.parse(call.body.refresh_token)
    async with call.app[appkeys.DATABASE].write() as tx:
        tenant = await accounts.tenant_by_slug(tx.session, call.request.match_info["tenant"])
        used = await credentials.use_refresh_token(tx, tenant.id, opaque.digest(presented), call.now)  # type: ignore[arg-type]
        if used.outcome is credentials.Rotation.OK:
            user = await accounts.user_by_id(tx.session, tenant.id, used.user_id)  # type: ignore[arg-type]
            return await token_service(call).continue_session(tx, user, used.family_id, call.now)  # type: ignore[arg-type]
    # Raised only now, after the commit: a detected reuse must stay revoked.
    message, code = _REFRESH_REFUSALS[used.outcome]
    raise NotAuthenticated(message, code=code)


async def logout(call: Call) -> dict[str, Any]:
    """End the sign-in a refresh token belongs to: its refresh and access tokens.

    Logging out twice is fine (200); a token unknown in this tenant is 401.
    """
    presented = opaque.REFRESH_TOKEN.parse(call.body.refresh_token)
    async with call.app[appkeys.DATABASE].write() as tx:
        tenant = await accounts.tenant_by_slug(tx.session, call.request.match_info["tenant"])
        family = await credentials.family_of(tx.session, tenant.id, opaque.digest(presented))  # type: ignore[arg-type]
        if family is not None:
            await credentials.revoke_family(tx, tenant.id, family, call.now)  # type: ignore[arg-type]
    if family is None:  # unknown here (or another tenant's): say so rather than pretend
        raise NotAuthenticated("unknown refresh token", code="invalid_credentials")
    return {"ok": True}


# ---- two-factor ---------------------------------------------------------------------


async def setup_2fa(call: Call) -> dict[str, Any]:
    """A new TOTP secret (not active until ``enable`` with a code from it)."""
    async with call.app[appkeys.DATABASE].write() as tx:
        user = await accounts.user_by_id(tx.session, call.me.tenant_id, call.me.user_id)
        if user.totp_enabled:
            raise Conflict("two-factor authentication is on already; disable it first", code="conflict")
        secret = totp.new_secret()
        await credentials.set_totp(tx, user.tenant_id, user.id, secret=secret, enabled=False)  # type: ignore[arg-type]
        tenant = await accounts.tenant_by_slug(tx.session, call.request.match_info["tenant"])
    account = f"{user.username}@{tenant.slug}"
    return {"secret": secret, "otpauth_uri": totp.provisioning_uri(secret, account, "taskclock")}


async def _checked_code(call: Call, user: User, otp: str) -> TaskclockError | None:
    """Spend a valid code of ``user``; else count the failure and return the refusal."""
    ratelimit.check_account(await credentials.account_failures(call.session, user.tenant_id, user.id), call.now)  # type: ignore[arg-type]
    step = totp.accepted_step(user.totp_secret or "", otp, call.now, user.totp_last_step)
    if step is not None and await credentials.claim_totp_step(call.write, user.tenant_id, user.id, step):  # type: ignore[arg-type]
        await credentials.clear_account_failures(call.write, user.tenant_id, user.id)  # type: ignore[arg-type]
        return None
    await credentials.record_account_failure(call.write, user.tenant_id, user.id, call.now)  # type: ignore[arg-type]
    return NotAuthenticated(INVALID_OTP, code="invalid_otp")


async def enable_2fa(call: Call) -> dict[str, Any] | tuple[int, dict[str, Any]]:
    """Turn 2FA on with a code from the set-up secret; ends every API token."""
    user = await accounts.user_by_id(call.session, call.me.tenant_id, call.me.user_id)
    if user.totp_enabled:
        raise Conflict("two-factor authentication is on already", code="conflict")
    if not user.totp_secret:
        raise Conflict("call 2fa/setup first", code="conflict")
    refusal = await _checked_code(call, user, call.body.otp)
    if refusal is not None:
        return _answer(refusal)
    await credentials.set_totp(call.write, user.tenant_id, user.id, secret=user.totp_secret, enabled=True)  # type: ignore[arg-type]
    await credentials.disable_api_tokens(call.write, user.tenant_id, user.id, call.now)  # type: ignore[arg-type]
    await credentials.revoke_families(call.write, user.tenant_id, user.id, TOKEN_METHODS, call.now)  # type: ignore[arg-type]
    return {"two_factor_enabled": True}


async def disable_2fa(call: Call) -> dict[str, Any] | tuple[int, dict[str, Any]]:
    """Turn 2FA off; needs a current code (a stolen access token alone cannot)."""
    user = await accounts.user_by_id(call.session, call.me.tenant_id, call.me.user_id)
    if not user.totp_enabled:
        raise Conflict("two-factor authentication is off already", code="conflict")
    refusal = await _checked_code(call, user, call.body.otp)
    if refusal is not None:
        return _answer(refusal)
    await credentials.set_totp(call.write, user.tenant_id, user.id, secret=None, enabled=False)  # type: ignore[arg-type]
    return {"two_factor_enabled": False}


# ---- development key ----------------------------------------------------------------


async def issue_dev_key(call: Call) -> tuple[int, dict[str, Any]]:
    """The tenant's new API development key, shown once; the previous one stops working."""
    require(call.me.role, Action.MANAGE_DEV_KEY)
    key = opaque.DEV_KEY.new()
    async with call.app[appkeys.DATABASE].write() as tx:
        await credentials.set_dev_key(tx, call.me.tenant_id, opaque.digest(key))
    return 201, {"api_dev_key": key, "created_at": call.now.isoformat()}


ROUTES = [
    Route("POST", f"{T}/me/api-token", issue_api_token, "A new API token, shown once (revokes the previous one)", tags=("auth",), writes=False),
    Route("DELETE", f"{T}/me/api-token", revoke_api_token, "Revoke the API token", tags=("auth",)),
    Route("POST", f"{T}/me/2fa/setup", setup_2fa, "A TOTP secret and otpauth:// URI", tags=("auth",), writes=False),
    Route("POST", f"{T}/me/2fa/enable", enable_2fa, "Turn 2FA on (revokes API tokens)", body=schemas.OtpBody, tags=("auth",)),
    Route("POST", f"{T}/me/2fa/disable", disable_2fa, "Turn 2FA off", body=schemas.OtpBody, tags=("auth",)),
    Route("POST", f"{T}/dev-key", issue_dev_key, "Owner or admin: the tenant's API development key, shown once", tags=("auth",), writes=False),
    Route("POST", f"{T}/auth/token-login", token_login, "Sign in with an API token", body=schemas.TokenLoginBody, public=True, tags=("auth",), writes=False),
    Route("POST", f"{T}/auth/refresh", refresh, "A refresh token to a new pair (rotating)", body=schemas.RefreshBody, public=True, tags=("auth",), writes=False),
    Route("POST", f"{T}/auth/logout", logout, "End the sign-in of a refresh token", body=schemas.RefreshBody, public=True, tags=("auth",), writes=False),
    Route("GET", "/{tenant}/login", legacy_login, "Legacy: development key plus API token to a token pair", query=schemas.LegacyLoginQuery, public=True, tags=("auth",)),
]
