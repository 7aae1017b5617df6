"""Administrative commands behind ``taskclock relay tenant|user|token``.

Each opens the store, makes one change in one transaction, and closes it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone

from bridge.auth.passwords import MIN_PASSWORD_CHARS, hash_password
from bridge.core import days
from bridge.core.errors import InvalidInput, NotFound
from bridge.core.roles import Role
from bridge.settings import Settings
from bridge.store import accounts
from bridge.store.database import Database


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


@asynccontextmanager
async def _opened(settings: Settings) -> AsyncIterator[Database]:
    database = await Database.open(settings.database_url)
    try:
        yield database
    finally:
        await database.close()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD_CHARS} characters", field="password")


async def create_tenant(settings: Settings, slug: str, name: str, owner: str, password: str, time_zone: str) -> None:
    """A new company with its owner."""
    accounts.check_slug(slug)
    days.zone(time_zone)
    _check_password(password)
    hashed = hash_password(password, settings.argon2_memory_kib, settings.argon2_iterations)
    async with _opened(settings) as database, database.write() as tx:
        tenant = await accounts.create_tenant(tx, slug, name, _now())
        await accounts.add_user(tx, tenant.id, owner, hashed, Role.OWNER, _now(), time_zone)  # type: ignore[arg-type]


async def add_user(settings: Settings, slug: str, username: str, role: Role, password: str, time_zone: str) -> None:
    days.zone(time_zone)
    _check_password(password)
    hashed = hash_password(password, settings.argon2_memory_kib, settings.argon2_iterations)
    async with _opened(settings) as database, database.write() as tx:
        tenant = await accounts.tenant_by_slug(tx.session, slug)
        await accounts.add_user(tx, tenant.id, username, hashed, role, _now(), time_zone)  # type: ignore[arg-type]


async def issue_api_token(settings: Settings, slug: str, username: str) -> str:
    """A new API token for the user (the previous one stops working); print it once."""
    from bridge.api.credentials import new_api_token

    async with _opened(settings) as database, database.write() as tx:
        tenant = await accounts.tenant_by_slug(tx.session, slug)
        user = await accounts.user_by_name(tx.session, tenant.id, username)  # type: ignore[arg-type]
        if user is None:
            raise NotFound(f"no user {username!r} in {slug!r}")
        return await new_api_token(tx, user, _now())
