"""Access tokens: short-lived JWTs, HS256 pinned, keys chosen by ``kid``.

The relay holds a ``KeyRing`` of signing keys (from the database, shared by every relay
process). ``issue`` signs with the newest key; ``verify`` accepts any key the ring still
holds, so a rotated-out key keeps verifying until its tokens have expired. Verification
requires ``exp``, ``iat``, ``iss``, ``aud`` and ``sub`` and refuses every other algorithm
(``alg: none`` included).

Rotation: ``rotation_due`` says when the newest key is older than ``KEY_MAX_AGE_DAYS``;
the token service then adds a fresh key, and ``retirable`` names the keys that no
unexpired token can still carry (superseded for more than twice the token lifetime, so a
relay process that signed with the old key a moment longer is covered too).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

import jwt

from bridge.core.errors import NotAuthenticated

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]
KEY_MAX_AGE_DAYS = 30


@dataclass(frozen=True)
class SigningKeyMaterial:
    kid: str
    secret: str
    created_at: datetime


def new_key_material(now: datetime) -> SigningKeyMaterial:
    """A fresh random signing key (256 bits)."""
    return SigningKeyMaterial(kid=secrets.token_hex(8), secret=secrets.token_urlsafe(32), created_at=now)


@dataclass(frozen=True)
class AccessClaims:
    """What a verified access token says."""

    user_id: int
    tenant_id: int
    expires_at: int
    #: The sign-in (refresh token family) the token belongs to; revoking it ends the token.
    session_id: str | None = None


def rotation_due(keys: list[SigningKeyMaterial], now: datetime) -> bool:
    """Whether the newest key is old enough to be replaced."""
    newest = max(keys, key=lambda key: key.created_at)
    return now - newest.created_at >= timedelta(days=KEY_MAX_AGE_DAYS)


def retirable(keys: list[SigningKeyMaterial], now: datetime, lifetime_seconds: int) -> list[str]:
    """Kids of keys superseded long enough ago that no live token can carry them."""
    grace = timedelta(seconds=2 * lifetime_seconds)
    ordered = sorted(keys, key=lambda key: key.created_at)
    return [
        older.kid
        for older, newer in pairwise(ordered)
        if now - newer.created_at >= grace
    ]


EXPIRED = "the access token has expired"
#: Verified tokens a ring remembers (about 300 bytes each).
VERIFIED_CACHE_SIZE = 10_000


class KeyRing:
    """The signing keys a relay knows; the newest signs."""

    def __init__(self, keys: list[SigningKeyMaterial], issuer: str, audience: str) -> None:
        if not keys:
            raise ValueError("a key ring needs at least one key")
        self._keys = {key.kid: key for key in keys}
        self._newest = max(keys, key=lambda key: key.created_at)
        self.issuer = issuer
        self.audience = audience
        # Tokens this ring verified already: every request carries one, and checking
        # the signature again cost more than the rest of authentication. The key is the
        # whole token, signature included, so only the very same string hits.
        self._verified: dict[str, AccessClaims] = {}

    def knows(self, kid: str) -> bool:
        return kid in self._keys

    @property
    def keys(self) -> list[SigningKeyMaterial]:
        return list(self._keys.values())

    @property
    def newest_kid(self) -> str:
        return self._newest.kid

    def issue(self, user_id: int, tenant_id: int, now: datetime, lifetime_seconds: int, session_id: str | None = None) -> str:
        """Sign an access token for the user, valid ``lifetime_seconds`` from ``now``."""
        issued = int(now.timestamp())
        claims: dict[str, object] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(user_id),
            "tid": tenant_id,
            "iat": issued,
            "exp": issued + lifetime_seconds,
        }
        if session_id is not None:
            claims["sid"] = session_id
        return jwt.encode(claims, self._newest.secret, algorithm=ALGORITHM, headers={"kid": self._newest.kid})

    def verify(self, token: str) -> AccessClaims:
        """The claims of a valid token; ``NotAuthenticated`` for anything else.

        pyjwt checks ``exp`` against the wall clock itself; so does a repeat, here.
        """
        known = self._verified.get(token)
        if known is not None:
            if known.expires_at > time.time():
                return known
            del self._verified[token]
            raise NotAuthenticated(EXPIRED, code="token_expired")
        claims = self._verify(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            del self._verified[next(iter(self._verified))]  # the oldest entry
        self._verified[token] = claims
        return claims

    def _verify(self, token: str) -> AccessClaims:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            raise NotAuthenticated("the access token is malformed") from None
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise NotAuthenticated("the access token was signed with an unknown key")
        try:
            claims = jwt.decode(
                token,
                key.secret,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError:
            raise NotAuthenticated(EXPIRED, code="token_expired") from None
        except jwt.PyJWTError as exc:
            raise NotAuthenticated(f"the access token is invalid: {exc}") from None
        try:
            sid = claims.get("sid")
            return AccessClaims(
                user_id=int(claims["sub"]),
                tenant_id=int(claims["tid"]),
                expires_at=int(claims["exp"]),
                session_id=sid if isinstance(sid, str) else None,
            )
        except (KeyError, TypeError, ValueError):
            raise NotAuthenticated("the access token lacks its subject or tenant") from None
