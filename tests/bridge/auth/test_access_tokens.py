"""Access tokens the relay must refuse, and signing-key rotation.

Hostile tokens are built by hand (base64 + HMAC from the standard library) so the test
does not trust the JWT library it is checking.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest

from bridge import appkeys
from bridge.auth import tokens


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict, claims: dict, secret: str | None, digest=hashlib.sha256) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = b64(hmac.new(secret.encode(), signing_input.encode(), digest).digest()) if secret else ""
    return f"{signing_input}.{signature}"


@pytest.fixture
async def alice(relay):
    return await relay.user("acme", "alice", role="staff")


def ring(relay) -> tokens.KeyRing:
    return relay.app[appkeys.TOKENS].ring


def good_claims(relay, alice) -> dict:
    now = int(time.time())
    settings = relay.app[appkeys.SETTINGS]
    return {"iss": settings.issuer, "aud": settings.audience, "sub": str(alice.user_id), "tid": 1, "iat": now, "exp": now + 600}


def newest_key(relay) -> tokens.SigningKeyMaterial:
    return next(k for k in ring(relay).keys if k.kid == ring(relay).newest_kid)


async def me_status(raw, token: str) -> tuple[int, dict]:
    status, body, _ = await raw.send("GET", "/api/v1/acme/me", token=token)
    return status, body


async def test_a_well_forged_token_with_the_real_key_is_accepted(relay, raw, alice):
    key = newest_key(relay)
    status, _ = await me_status(raw, forge({"alg": "HS256", "typ": "JWT", "kid": key.kid}, good_claims(relay, alice), key.secret))
    assert status == 200  # the control: the forger itself is right


@pytest.mark.parametrize(
    "case",
    ["alg_none", "alg_none_upper", "hs512", "wrong_aud", "wrong_iss", "missing_exp", "missing_iat", "missing_sub",
     "expired", "tampered", "unknown_kid", "no_kid", "wrong_secret", "garbage"],
)
async def test_rejected_tokens(relay, raw, alice, case):
    key = newest_key(relay)
    header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
    claims = good_claims(relay, alice)
    secret: str | None = key.secret
    digest = hashlib.sha256
    if case == "alg_none":
        header["alg"], secret = "none", None
    elif case == "alg_none_upper":
        header["alg"], secret = "None", None
    elif case == "hs512":
        header["alg"], digest = "HS512", hashlib.sha512
    elif case == "wrong_aud":
        claims["aud"] = "someone-else"
    elif case == "wrong_iss":
        claims["iss"] = "evil-relay"
    elif case in ("missing_exp", "missing_iat", "missing_sub"):
        del claims[case.removeprefix("missing_")]
    elif case == "expired":
        claims["iat"], claims["exp"] = claims["iat"] - 3600, claims["iat"] - 1800
    elif case == "unknown_kid":
        header["kid"] = "0123456789abcdef"
    elif case == "no_kid":
        del header["kid"]
    elif case == "wrong_secret":
        secret = "not-the-relay-secret-" * 3
    token = "not.a.jwt" if case == "garbage" else forge(header, claims, secret, digest)
    if case == "tampered":
        # A valid token of alice's, its payload changed to claim another user.
        head, _payload, signature = alice.token.split(".")
        claims["sub"] = str(alice.user_id + 1)
        token = f"{head}.{b64(json.dumps(claims).encode())}.{signature}"
    status, body = await me_status(raw, token)
    assert status == 401, (case, body)
    if case == "expired":
        assert body["error"]["code"] == "token_expired"


async def test_rotation_keeps_old_tokens_valid_until_they_expire(relay, raw, alice):
    service = relay.app[appkeys.TOKENS]
    old_kid = ring(relay).newest_kid
    now = relay.app[appkeys.CLOCK]()
    new_kid = await service.rotate(now)
    assert new_kid != old_kid and ring(relay).newest_kid == new_kid
    assert (await me_status(raw, alice.token))[0] == 200  # signed with the old key
    fresh = await relay.user("acme", "alice")
    assert json.loads(base64.urlsafe_b64decode(fresh.token.split(".")[0] + "==="))["kid"] == new_kid

    # Much later another rotation retires the first key: nothing it signed is alive.
    lifetime = relay.app[appkeys.SETTINGS].access_token_seconds
    await service.rotate(now + timedelta(seconds=3 * lifetime))
    assert not ring(relay).knows(old_kid) and ring(relay).knows(new_kid)
    assert (await me_status(raw, alice.token))[0] == 401


async def test_load_rotates_a_key_older_than_the_limit(relay):
    service = relay.app[appkeys.TOKENS]
    before = ring(relay).newest_kid
    later = relay.app[appkeys.CLOCK]() + timedelta(days=tokens.KEY_MAX_AGE_DAYS + 1)
    await service.load(later)
    assert ring(relay).newest_kid != before
    await service.load(later)  # fresh now: no second rotation
    assert len(ring(relay).keys) == 2


async def test_a_token_accepted_before_is_refused_once_it_expired(relay, raw, alice, monkeypatch):
    # The relay remembers tokens it verified; the memory must not outlive the token.
    key = newest_key(relay)
    claims = good_claims(relay, alice)
    token = forge({"alg": "HS256", "typ": "JWT", "kid": key.kid}, claims, key.secret)
    assert (await me_status(raw, token))[0] == 200
    assert (await me_status(raw, token))[0] == 200  # the second time from memory
    monkeypatch.setattr(tokens.time, "time", lambda: claims["exp"] + 1)
    status, body = await me_status(raw, token)
    assert (status, body["error"]["code"]) == (401, "token_expired")
