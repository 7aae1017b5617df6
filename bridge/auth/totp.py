"""Time-based one-time passwords, RFC 6238 (HOTP of RFC 4226 over 30 s steps).

HMAC-SHA-1, 6 digits, 30-second steps, one step of tolerance either way: what every
authenticator app (Google Authenticator, Aegis, 1Password) produces by default. Standard
library only. ``accepted_step`` returns the step a code matched so the caller can store
it and refuse that step, and every earlier one, next time: no code is accepted twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from datetime import datetime
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
TOLERANCE_STEPS = 1
SECRET_BYTES = 20  # 160 bits, RFC 4226's recommendation for SHA-1


def new_secret() -> str:
    """A fresh base32 secret (no padding), as authenticator apps expect it."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    padded = secret.upper() + "=" * (-len(secret) % 8)
    return base64.b32decode(padded)


def step_at(now: datetime) -> int:
    """The RFC 6238 time step ``T`` containing ``now``."""
    return int(now.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    """The code for one step (RFC 4226 dynamic truncation)."""
    mac = hmac.new(_key(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFF_FFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def accepted_step(secret: str, code: str, now: datetime, last_step: int) -> int | None:
    """The step ``code`` is valid for (within tolerance, after ``last_step``), or None."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    current = step_at(now)
    for step in range(current - TOLERANCE_STEPS, current + TOLERANCE_STEPS + 1):
        if step > last_step and hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://totp/…`` URI an authenticator app scans as a QR code."""
    label = quote(f"{issuer}:{account}", safe="")
    params = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": STEP_SECONDS})
    return f"otpauth://totp/{label}?{params}"
