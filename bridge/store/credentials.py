"""Statements for credentials: API tokens, refresh token families, the development key,
TOTP state, failed sign-ins and signing-key retirement. Every one scoped by tenant.

Secrets arrive here already hashed (``bridge.auth.opaque.digest``); nothing in this
module ever sees, stores or logs a plain API token, refresh token or development key.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bridge.auth.ratelimit import AccountFailures, after_account_failure
from bridge.store.database import Tx
from bridge.store.models import (
    ApiToken,
    LoginThrottle,
    RefreshFamily,
    RefreshToken,
    SigningKey,
    Tenant,
    User,
)

# ---- API tokens -------------------------------------------------------------------


async def replace_api_token(tx: Tx, tenant_id: int, user_id: int, token_hash: str, now: datetime) -> None:
    """Store a user's new API token; the previous one stops working."""
    await delete_api_tokens(tx, tenant_id, user_id)
    tx.session.add(ApiToken(tenant_id=tenant_id, user_id=user_id, token_hash=token_hash, created_at=now))
    await tx.session.flush()


async def delete_api_tokens(tx: Tx, tenant_id: int, user_id: int) -> int:
    """Revoke every API token of the user; how many there were."""
    statement = sa.delete(ApiToken).where(col(ApiToken.tenant_id) == tenant_id, col(ApiToken.user_id) == user_id)
    return (await tx.session.execute(statement)).rowcount or 0


async def disable_api_tokens(tx: Tx, tenant_id: int, user_id: int, now: datetime) -> None:
    """Mark the user's API tokens disabled (2FA went on); token-login then says why."""
    statement = (
        sa.update(ApiToken)
        .where(col(ApiToken.tenant_id) == tenant_id, col(ApiToken.user_id) == user_id, col(ApiToken.disabled_at).is_(None))
        .values(disabled_at=now)
    )
    await tx.session.execute(statement)


async def api_token_user(session: AsyncSession, tenant_id: int, token_hash: str) -> tuple[ApiToken, User] | None:
    """The token row and its user, within the tenant; None when unknown here."""
    query = (
        select(ApiToken, User)
        .join(User, col(User.id) == col(ApiToken.user_id))
        .where(ApiToken.tenant_id == tenant_id, User.tenant_id == tenant_id, ApiToken.token_hash == token_hash)
    )
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row else None


async def touch_api_token(tx: Tx, tenant_id: int, token_id: int, now: datetime) -> None:
    statement = sa.update(ApiToken).where(col(ApiToken.tenant_id) == tenant_id, col(ApiToken.id) == token_id).values(last_used_at=now)
    await tx.session.execute(statement)


# ---- refresh token families ---------------------------------------------------------


async def new_family(tx: Tx, tenant_id: int, user_id: int, method: str, now: datetime) -> str:
    """Start a sign-in; its id becomes the access tokens' ``sid``."""
    family = RefreshFamily(id=secrets.token_urlsafe(18), tenant_id=tenant_id, user_id=user_id, method=method, created_at=now)
    tx.session.add(family)
    await tx.session.flush()
    return family.id


async def add_refresh_token(tx: Tx, tenant_id: int, family_id: str, token_hash: str, now: datetime, expires_at: datetime) -> None:
    tx.session.add(RefreshToken(tenant_id=tenant_id, family_id=family_id, token_hash=token_hash, created_at=now, expires_at=expires_at))
    await tx.session.flush()


class Rotation(Enum):
    OK = "ok"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    REVOKED = "revoked"
    REUSED = "reused"


@dataclass(frozen=True)
class RotationResult:
    outcome: Rotation
    family_id: str | None = None
    user_id: int | None = None


async def use_refresh_token(tx: Tx, tenant_id: int, token_hash: str, now: datetime) -> RotationResult:
    """Spend one refresh token. A second use revokes its whole family (the caller must
    let this transaction commit, then refuse)."""
    query = (
        select(RefreshToken, RefreshFamily)
        .join(RefreshFamily, col(RefreshFamily.id) == col(RefreshToken.family_id))
        .where(RefreshToken.tenant_id == tenant_id, RefreshFamily.tenant_id == tenant_id, RefreshToken.token_hash == token_hash)
    )
    row = (await tx.session.execute(query)).first()
    if row is None:
        return RotationResult(Rotation.UNKNOWN)
    token, family = row[0], row[1]
    if family.revoked_at is not None:
        return RotationResult(Rotation.REVOKED, family.id, family.user_id)
    if token.used_at is None and token.expires_at <= now:
        return RotationResult(Rotation.EXPIRED, family.id, family.user_id)
    if token.used_at is not None or not await _mark_used(tx, token.id, now):  # type: ignore[arg-type]
        await revoke_family(tx, tenant_id, family.id, now)
        return RotationResult(Rotation.REUSED, family.id, family.user_id)
    return RotationResult(Rotation.OK, family.id, family.user_id)


async def _mark_used(tx: Tx, token_id: int, now: datetime) -> bool:
    """Conditional, so that two racing uses cannot both win (PostgreSQL)."""
    statement = (
        sa.update(RefreshToken)
        .where(col(RefreshToken.id) == token_id, col(RefreshToken.used_at).is_(None))
        .values(used_at=now)
    )
    return bool((await tx.session.execute(statement)).rowcount)


async def family_of(session: AsyncSession, tenant_id: int, token_hash: str) -> str | None:
    query = select(RefreshToken.family_id).where(RefreshToken.tenant_id == tenant_id, RefreshToken.token_hash == token_hash)
    return (await session.execute(query)).scalar_one_or_none()


async def revoke_family(tx: Tx, tenant_id: int, family_id: str, now: datetime) -> None:
    statement = (
        sa.update(RefreshFamily)
        .where(col(RefreshFamily.tenant_id) == tenant_id, col(RefreshFamily.id) == family_id, col(RefreshFamily.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    await tx.session.execute(statement)


async def revoke_families(tx: Tx, tenant_id: int, user_id: int, methods: tuple[str, ...], now: datetime) -> None:
    """Revoke the user's sign-ins made by any of ``methods`` (e.g. API-token logins)."""
    statement = (
        sa.update(RefreshFamily)
        .where(
            col(RefreshFamily.tenant_id) == tenant_id,
            col(RefreshFamily.user_id) == user_id,
            col(RefreshFamily.method).in_(methods),
            col(RefreshFamily.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    await tx.session.execute(statement)


# ---- development key, TOTP ----------------------------------------------------------


async def set_dev_key(tx: Tx, tenant_id: int, key_hash: str) -> None:
    await tx.session.execute(sa.update(Tenant).where(col(Tenant.id) == tenant_id).values(dev_key_hash=key_hash))


async def set_totp(tx: Tx, tenant_id: int, user_id: int, *, secret: str | None, enabled: bool) -> None:
    statement = sa.update(User).where(col(User.tenant_id) == tenant_id, col(User.id) == user_id)
    await tx.session.execute(statement.values(totp_secret=secret, totp_enabled=enabled))


async def claim_totp_step(tx: Tx, tenant_id: int, user_id: int, step: int) -> bool:
    """Record ``step`` as used; False when it (or a later one) was used already."""
    statement = (
        sa.update(User)
        .where(col(User.tenant_id) == tenant_id, col(User.id) == user_id, col(User.totp_last_step) < step)
        .values(totp_last_step=step)
    )
    return bool((await tx.session.execute(statement)).rowcount)


# ---- failed sign-ins ----------------------------------------------------------------


async def account_failures(session: AsyncSession, tenant_id: int, user_id: int) -> AccountFailures:
    query = select(LoginThrottle).where(LoginThrottle.tenant_id == tenant_id, LoginThrottle.user_id == user_id)
    row = (await session.execute(query)).scalar_one_or_none()
    return AccountFailures(row.failures, row.locked_until) if row else AccountFailures()


async def record_account_failure(tx: Tx, tenant_id: int, user_id: int, now: datetime) -> AccountFailures:
    """Count one more consecutive failure (and lock at the limit)."""
    state = after_account_failure(await account_failures(tx.session, tenant_id, user_id), now)
    row = await tx.session.get(LoginThrottle, user_id)
    if row is None or row.tenant_id != tenant_id:
        row = LoginThrottle(user_id=user_id, tenant_id=tenant_id)
    row.failures, row.locked_until = state.failures, state.locked_until
    tx.session.add(row)
    await tx.session.flush()
    return state


async def clear_account_failures(tx: Tx, tenant_id: int, user_id: int) -> None:
    statement = sa.delete(LoginThrottle).where(col(LoginThrottle.tenant_id) == tenant_id, col(LoginThrottle.user_id) == user_id)
    await tx.session.execute(statement)


# ---- signing keys -------------------------------------------------------------------


async def retire_signing_keys(tx: Tx, kids: list[str], now: datetime) -> None:
    """Stop verifying with these keys (their tokens have all expired)."""
    if kids:
        statement = sa.update(SigningKey).where(col(SigningKey.kid).in_(kids), col(SigningKey.retired_at).is_(None))
        await tx.session.execute(statement.values(retired_at=now))
