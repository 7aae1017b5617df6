"""Opaque secrets the relay hands out: API tokens, refresh tokens, development keys.

Each is ``<prefix><32 random base62 chars><6 base62 chars of CRC32>``: the prefix says
what it is (so a leaked one is recognisable, e.g. by secret scanners), the checksum lets
``parse`` reject a mistyped or truncated secret before any database lookup. The relay
stores only ``digest(secret)``: SHA-256 is the right hash for 190 random bits (no
dictionary to guess from, so a slow KDF would add nothing but latency).

Call ``new()`` when issuing (show the result once), ``parse()`` on every presented
secret, and ``digest()`` to find or store it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import zlib
from dataclasses import dataclass

from bridge.core.errors import NotAuthenticated

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BODY_CHARS = 32  # 62**32 ≈ 2**190
CHECK_CHARS = 6  # 62**6 > 2**32


def _base62(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, rest = divmod(number, 62)
        chars.append(ALPHABET[rest])
    return "".join(reversed(chars))


def _checksum(prefix: str, body: str) -> str:
    return _base62(zlib.crc32(f"{prefix}{body}".encode()), CHECK_CHARS)


@dataclass(frozen=True)
class SecretKind:
    """One kind of opaque secret, named by its prefix."""

    prefix: str
    what: str  # how error messages name it

    def new(self) -> str:
        """A fresh random secret of this kind; show it once, store ``digest`` of it."""
        body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_CHARS))
        return f"{self.prefix}{body}{_checksum(self.prefix, body)}"

    def well_formed(self, text: str) -> bool:
        """Prefix, length, alphabet and checksum: no database needed."""
        if not text.startswith(self.prefix) or len(text) != len(self.prefix) + BODY_CHARS + CHECK_CHARS:
            return False
        rest = text[len(self.prefix):]
        if not set(rest) <= set(ALPHABET):
            return False
        body, check = rest[:BODY_CHARS], rest[BODY_CHARS:]
        return hmac.compare_digest(check, _checksum(self.prefix, body))

    def parse(self, text: str) -> str:
        """``text`` if well formed, else ``NotAuthenticated`` (no lookup is made)."""
        if not self.well_formed(text.strip()):
            raise NotAuthenticated(f"this is not a valid {self.what} (mistyped?)", code="invalid_credentials")
        return text.strip()


def digest(secret: str) -> str:
    """The stored form of an opaque secret: hex SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()


API_TOKEN = SecretKind("tc_", "API token")
REFRESH_TOKEN = SecretKind("tcr_", "refresh token")
DEV_KEY = SecretKind("tcdk_", "API development key")
