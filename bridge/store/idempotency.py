"""Idempotency records: the first answer to a (user, key) pair, returned for repeats.

``lookup`` runs before a command; ``remember`` runs inside the command's own write
transaction, so the answer and the change commit together: a crash between the two is
impossible, and a racing duplicate hits the primary key and sees the first answer.
Each has a plain form on a connection (``lookup_on``, ``remember_on``) for one-trip
commands, which the session forms call too.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bridge.core.errors import Conflict, Unprocessable
from bridge.store.database import Tx
from bridge.store.models import IdempotencyRecord

_RECORDS: sa.Table = IdempotencyRecord.__table__  # type: ignore[attr-defined]
_LOOKUP = sa.select(_RECORDS.c.request_hash, _RECORDS.c.status, _RECORDS.c.response).where(
    _RECORDS.c.user_id == sa.bindparam("user"), _RECORDS.c.key == sa.bindparam("key"), _RECORDS.c.tenant_id == sa.bindparam("tenant")
)
_INSERT = sa.insert(_RECORDS)


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same request" for one key."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


class DuplicateKey(Conflict):
    """Another request with the same key committed first; this transaction is void."""

    code = "idempotency_key_in_flight"


def lookup_on(
    connection: sa.Connection, tenant_id: int, user_id: int, key: str, fingerprint: str
) -> tuple[int, dict[str, Any]] | None:
    """The stored (status, body) for a repeat; 422 when the key came with another request."""
    row = connection.execute(_LOOKUP, {"user": user_id, "key": key, "tenant": tenant_id}).first()
    if row is None:
        return None
    if row.request_hash != fingerprint:
        raise Unprocessable("this Idempotency-Key was already used for a different request", code="idempotency_key_reused")
    return row.status, row.response


def remember_on(
    connection: sa.Connection, tenant_id: int, user_id: int, key: str, fingerprint: str, status: int, body: dict[str, Any], now: datetime
) -> None:
    """Store the answer in the command's own transaction (written now, so a racing
    twin surfaces as ``DuplicateKey`` here rather than at commit)."""
    values = {
        "user_id": user_id, "key": key, "tenant_id": tenant_id, "request_hash": fingerprint,
        "status": status, "response": body, "created_at": now,
    }
    try:
        connection.execute(_INSERT, values)
    except IntegrityError:
        raise DuplicateKey("a request with this Idempotency-Key is being answered") from None


async def lookup(
    session: AsyncSession, tenant_id: int, user_id: int, key: str, fingerprint: str
) -> tuple[int, dict[str, Any]] | None:
    return await session.run_sync(lambda s: lookup_on(s.connection(), tenant_id, user_id, key, fingerprint))


async def remember(
    tx: Tx, tenant_id: int, user_id: int, key: str, fingerprint: str, status: int, body: dict[str, Any], now: datetime
) -> None:
    await tx.session.flush()  # the command's own ORM changes go first
    await tx.session.run_sync(lambda s: remember_on(s.connection(), tenant_id, user_id, key, fingerprint, status, body, now))
