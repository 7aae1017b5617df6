"""Password hashing with Argon2id (OWASP floor: m=19 MiB, t=2, p=1), PHC strings.

Hashing costs tens of milliseconds of CPU: the relay calls ``hash_password`` and
``verify_password`` through ``run_in_executor`` so the event loop never waits on them.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

MIN_PASSWORD_CHARS = 8
#: A hash to verify against when the user does not exist, so timing does not tell.
_DUMMY_HASH: str | None = None


def hash_password(password: str, memory_kib: int = 19_456, iterations: int = 2) -> str:
    """A PHC-encoded Argon2id hash of ``password`` with a fresh salt."""
    kdf = Argon2id(salt=os.urandom(16), length=32, iterations=iterations, lanes=1, memory_cost=memory_kib)
    return kdf.derive_phc_encoded(password.encode())


def verify_password(password: str, encoded: str | None) -> bool:
    """Whether ``password`` matches; spends the same work when ``encoded`` is None."""
    global _DUMMY_HASH
    if encoded is None:
        _DUMMY_HASH = _DUMMY_HASH or hash_password("not-a-password")
        encoded = _DUMMY_HASH
        password = password + "\0"  # never matches the dummy
    try:
        Argon2id.verify_phc_encoded(password.encode(), encoded)
    except (InvalidKey, ValueError):
        return False
    return True
