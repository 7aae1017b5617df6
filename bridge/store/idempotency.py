"""Idempotency records: the first answer to a (user, key) pair, returned for repeats.

``lookup`` runs before a command; ``remember`` runs inside the command's own write
transaction, so the answer and the change commit together: a crash between the two is
impossible, and a racing duplicate hits the primary key and sees the first answer.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlmodel import select
from sqlalchemy.ext.asyncio import AsyncSession

from sqlalchemy.exc import IntegrityError

from bridge.core.errors import Conflict, Unprocessable
from bridge.store.database import Tx
from bridge.store.models import IdempotencyRecord


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same request" for one key."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


async def lookup(
    session: AsyncSession, tenant_id: int, user_id: int, key: str, fingerprint: str
) -> tuple[int, dict[str, Any]] | None:
    """The stored (status, body) for a repeat; 422 when the key came with another request."""
    record = (
        await session.execute(
            select(IdempotencyRecord).where(
                IdempotencyRecord.user_id == user_id,
                IdempotencyRecord.key == key,
                IdempotencyRecord.tenant_id == tenant_id,
            )
        )
    ).scalar_one_or_none()
    if record is None:
        return None
    if record.request_hash != fingerprint:
        raise Unprocessable("this Idempotency-Key was already used for a different request", code="idempotency_key_reused")
    return record.status, record.response


class DuplicateKey(Conflict):
    """Another request with the same key committed first; this transaction is void."""

    code = "idempotency_key_in_flight"


async def remember(
    tx: Tx, tenant_id: int, user_id: int, key: str, fingerprint: str, status: int, body: dict[str, Any], now: datetime
) -> None:
    """Store the answer in the command's own transaction (flushed now, so a racing
    twin surfaces as ``DuplicateKey`` here rather than at commit)."""
    tx.session.add(
        IdempotencyRecord(
            user_id=user_id, key=key, tenant_id=tenant_id, request_hash=fingerprint, status=status, response=body, created_at=now
        )
    )
    try:
        await tx.session.flush()
    except IntegrityError:
        raise DuplicateKey("a request with this Idempotency-Key is being answered") from None
