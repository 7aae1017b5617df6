"""Tenants, users and signing keys: the statements, every one scoped by tenant."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.exc import IntegrityError

from bridge.auth.tokens import AccessClaims, SigningKeyMaterial
from bridge.core.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from bridge.core.roles import Actor, Role
from bridge.store.database import Tx
from bridge.store.models import RefreshFamily, SigningKey, Team, Tenant, User

SLUG_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-")


def check_slug(slug: str) -> str:
    """Company slugs appear in URLs: lower-case letters, digits and dashes."""
    if not slug or len(slug) > 64 or not set(slug) <= SLUG_CHARS or slug.startswith("-"):
        raise InvalidInput(f"invalid company slug {slug!r}: use lower-case letters, digits and dashes", field="tenant")
    return slug


async def tenant_by_slug(session: AsyncSession, slug: str) -> Tenant:
    """The tenant, or 404 (the same answer whether it exists elsewhere or not at all)."""
    tenant = (await session.execute(select(Tenant).where(Tenant.slug == slug))).scalar_one_or_none()
    if tenant is None:
        raise NotFound(f"no company {slug!r}")
    return tenant


async def create_tenant(tx: Tx, slug: str, name: str, now: datetime) -> Tenant:
    tenant = Tenant(slug=check_slug(slug), name=name, created_at=now)
    tx.session.add(tenant)
    try:
        await tx.session.flush()
    except IntegrityError:
        raise Conflict(f"the company {slug!r} exists already", code="tenant_exists") from None
    return tenant


async def add_user(
    tx: Tx, tenant_id: int, username: str, password_hash: str, role: Role, now: datetime, time_zone: str = "UTC"
) -> User:
    if not username or len(username) > 150 or username.strip() != username:
        raise InvalidInput("a username needs 1 to 150 characters and no surrounding spaces", field="username")
    user = User(
        tenant_id=tenant_id, username=username, password_hash=password_hash, role=role.value, time_zone=time_zone, created_at=now
    )
    tx.session.add(user)
    try:
        await tx.session.flush()
    except IntegrityError:
        raise Conflict(f"the user {username!r} exists already", code="user_exists") from None
    return user


async def user_by_name(session: AsyncSession, tenant_id: int, username: str) -> User | None:
    query = select(User).where(User.tenant_id == tenant_id, User.username == username)
    return (await session.execute(query)).scalar_one_or_none()


async def user_by_id(session: AsyncSession, tenant_id: int, user_id: int) -> User:
    """The tenant's user, or 404 for unknown ids and other tenants' users alike."""
    query = select(User).where(User.tenant_id == tenant_id, User.id == user_id)
    user = (await session.execute(query)).scalar_one_or_none()
    if user is None:
        raise NotFound("no such user")
    return user


_TENANTS: sa.Table = Tenant.__table__  # type: ignore[attr-defined]
_USERS: sa.Table = User.__table__  # type: ignore[attr-defined]
_FAMILIES: sa.Table = RefreshFamily.__table__  # type: ignore[attr-defined]
# Every request asks this: one statement, built once (tenant, user and sign-in together).
_HOLDER = (
    sa.select(
        _TENANTS.c.id.label("tenant_id"), _USERS.c.id.label("user_id"), _USERS.c.username, _USERS.c.role, _USERS.c.time_zone,
        _FAMILIES.c.id.label("family_id"), _FAMILIES.c.revoked_at,
    )
    .select_from(
        _TENANTS.outerjoin(_USERS, (_USERS.c.tenant_id == _TENANTS.c.id) & (_USERS.c.id == sa.bindparam("user")))
        .outerjoin(_FAMILIES, (_FAMILIES.c.tenant_id == _TENANTS.c.id) & (_FAMILIES.c.id == sa.bindparam("family")))
    )
    .where(_TENANTS.c.slug == sa.bindparam("slug"))
)


def actor_for_claims(connection: sa.Connection, slug: str, claims: AccessClaims) -> Actor:
    """Who a verified token stands for in the tenant named by ``slug`` (the URL's).

    Run on its own (``Database.run_read``) or inside a command's trip; 404 for another
    tenant's URL, 401 when the user is gone or the sign-in ended (logout, revocation).
    """
    params = {"slug": slug, "user": claims.user_id, "family": claims.session_id or ""}
    row: Any = connection.execute(_HOLDER, params).first()
    if row is None or claims.tenant_id != row.tenant_id:
        raise NotFound(f"no company {slug!r}")
    if row.user_id is None:
        raise NotAuthenticated("the user of this token no longer exists")
    if claims.session_id is not None and (row.family_id is None or row.revoked_at is not None):
        raise NotAuthenticated("this sign-in has ended (logged out or revoked); sign in again")
    return Actor(row.tenant_id, row.user_id, row.username, row.role, row.time_zone)


def actor_of(user: User) -> Actor:
    assert user.id is not None
    return Actor(user.tenant_id, user.id, user.username, user.role, user.time_zone)


def user_view(user: User) -> dict[str, object]:
    return {
        "id": user.id,
        "username": user.username,
        "role": user.role,
        "time_zone": user.time_zone,
        "two_factor_enabled": user.totp_enabled,
    }


async def led_member_ids(session: AsyncSession, tenant_id: int, leader_id: int) -> set[int]:
    """Ids of the users in the teams ``leader_id`` leads."""
    teams = select(Team.id).where(Team.tenant_id == tenant_id, Team.leader_id == leader_id)
    query = select(User.id).where(User.tenant_id == tenant_id, col(User.team_id).in_(teams))
    return {uid for uid in (await session.execute(query)).scalars() if uid is not None}


async def signing_keys(session: AsyncSession) -> list[SigningKeyMaterial]:
    rows = (await session.execute(select(SigningKey).where(col(SigningKey.retired_at).is_(None)))).scalars()
    return [SigningKeyMaterial(kid=row.kid, secret=row.secret, created_at=row.created_at) for row in rows]


def add_signing_key(tx: Tx, key: SigningKeyMaterial) -> None:
    tx.session.add(SigningKey(kid=key.kid, secret=key.secret, created_at=key.created_at))
