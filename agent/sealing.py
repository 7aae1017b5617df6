"""Command bodies at rest, sealed with AES-GCM: the only module importing ``cryptography``.

Call ``Sealer(key)`` with ``Credentials.outbox_key()`` when the outbox opens; ``seal``
each body before it is written and ``open`` it before it is sent. The row's idempotency
key is bound as associated data, so a sealed body cannot be moved to another row.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from agent.errors import AgentError

_NONCE_BYTES = 12


class Sealer:
    """AES-256-GCM with a fresh random nonce per message."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, bound_to: str) -> bytes:
        """Nonce followed by ciphertext and tag."""
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, bound_to.encode("utf-8"))

    def open(self, sealed: bytes, bound_to: str) -> bytes:
        """The plaintext; raise ``AgentError`` if the key changed or the row was altered."""
        try:
            return self._aead.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], bound_to.encode("utf-8"))
        except InvalidTag as exc:
            raise AgentError("an outbox row cannot be decrypted (keyring key changed?)", code="outbox_sealed") from exc
