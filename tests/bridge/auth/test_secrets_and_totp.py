"""Opaque secrets (prefix, checksum, hash-only storage) and RFC 6238 TOTP."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
from auth_helpers import PASSWORD

from bridge.auth import opaque, totp
from bridge.store import credentials

RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of ASCII "12345678901234567890"


@pytest.mark.parametrize(
    ("unix", "code"),
    # RFC 6238 appendix B (SHA-1), last six of the eight digits.
    [(59, "287082"), (1111111109, "081804"), (1111111111, "050471"), (1234567890, "005924"), (2000000000, "279037"), (20000000000, "353130")],
)
def test_rfc6238_vectors(unix, code):
    at = datetime.fromtimestamp(unix, UTC)
    assert totp.code_at(RFC_SECRET, totp.step_at(at)) == code
    assert totp.accepted_step(RFC_SECRET, code, at, 0) == totp.step_at(at)


def test_tolerance_is_one_step_and_no_code_is_accepted_twice():
    at = datetime.fromtimestamp(1234567890, UTC)
    step = totp.step_at(at)
    for offset, accepted in [(-2, False), (-1, True), (0, True), (1, True), (2, False)]:
        assert (totp.accepted_step(RFC_SECRET, totp.code_at(RFC_SECRET, step + offset), at, 0) is not None) is accepted
    assert totp.accepted_step(RFC_SECRET, totp.code_at(RFC_SECRET, step), at, last_step=step) is None
    assert totp.accepted_step(RFC_SECRET, totp.code_at(RFC_SECRET, step - 1), at, last_step=step) is None
    assert totp.accepted_step(RFC_SECRET, "12345", at, 0) is None and totp.accepted_step(RFC_SECRET, "abcdef", at, 0) is None


def test_provisioning_uri():
    uri = totp.provisioning_uri("ABC", "alice@acme", "taskclock")
    assert uri.startswith("otpauth://totp/taskclock%3Aalice%40acme?") and "secret=ABC" in uri and "period=30" in uri


@pytest.mark.parametrize("kind", [opaque.API_TOKEN, opaque.REFRESH_TOKEN, opaque.DEV_KEY])
def test_opaque_secrets_carry_prefix_and_checksum(kind):
    secret = kind.new()
    assert secret.startswith(kind.prefix) and kind.well_formed(secret)
    assert secret != kind.new()
    body = secret[len(kind.prefix):]
    for index in range(len(body)):  # every single-character typo is caught
        wrong = "1" if body[index] != "1" else "2"
        assert not kind.well_formed(kind.prefix + body[:index] + wrong + body[index + 1:])
    assert not kind.well_formed(secret[:-1]) and not kind.well_formed(secret + "0")
    assert len(opaque.digest(secret)) == 64


async def test_a_mistyped_api_token_is_refused_before_any_lookup(relay, raw, monkeypatch):
    alice = await relay.user("acme", "alice", role="staff")
    token = (await alice.call("POST", "/me/api-token", status=201))["api_token"]
    lookups = []
    original = credentials.api_token_user

    async def counting(*args):
        lookups.append(args)
        return await original(*args)

    monkeypatch.setattr(credentials, "api_token_user", counting)
    mistyped = token[:5] + ("x" if token[5] != "x" else "y") + token[6:]
    body = await raw.post("acme", "/auth/token-login", {"api_token": mistyped}, status=401)
    assert "mistyped" in body["error"]["message"] and lookups == []
    await raw.post("acme", "/auth/token-login", {"api_token": token}, status=200)
    assert len(lookups) == 1


async def test_new_api_token_replaces_the_old_and_delete_revokes(relay, raw):
    alice = await relay.user("acme", "alice", role="staff")
    first = (await alice.call("POST", "/me/api-token", status=201))["api_token"]
    second = (await alice.call("POST", "/me/api-token", status=201))["api_token"]
    await raw.post("acme", "/auth/token-login", {"api_token": first}, status=401)
    pair = await raw.post("acme", "/auth/token-login", {"api_token": second}, status=200)
    assert await alice.call("DELETE", "/me/api-token", key="", status=200) == {"revoked": True}
    await raw.post("acme", "/auth/token-login", {"api_token": second}, status=401)
    await raw.send("GET", "/api/v1/acme/me", token=pair["access_token"], status=401)  # its sign-in ended too


async def test_database_dump_holds_no_plain_secret(relay, raw, relay_settings):
    owner = await relay.user("acme", "olga", role="owner")
    api_token = (await owner.call("POST", "/me/api-token", key="", status=201))["api_token"]
    dev_key = (await owner.call("POST", "/dev-key", key="", status=201))["api_dev_key"]
    pair = await raw.post("acme", "/auth/token-login", {"api_token": api_token}, status=200)
    rotated = await raw.post("acme", "/auth/refresh", {"refresh_token": pair["refresh_token"]}, status=200)
    login = await raw.post("acme", "/auth/login", {"username": "olga", "password": PASSWORD}, status=200)
    await raw.send("GET", "/acme/login?" + urlencode({"api_dev_key": dev_key, "token": api_token}), status=200)
    secrets = {
        "api token": api_token,
        "dev key": dev_key,
        "refresh token 1": pair["refresh_token"],
        "refresh token 2": rotated["refresh_token"],
        "refresh token 3": login["refresh_token"],
        "password": PASSWORD,
    }
    path = Path(relay_settings.database_url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as connection:
        dump = "\n".join(connection.iterdump())
    raw_bytes = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    for what, secret in secrets.items():
        assert secret not in dump, f"the {what} is in the dump"
        assert secret.encode() not in raw_bytes, f"the {what} is in the database files"
    for what in ("api token", "dev key", "refresh token 2"):
        assert opaque.digest(secrets[what]) in dump  # stored, as a hash
    print(f"\ndump: {len(dump)} characters, none of {len(secrets)} secrets in plain text")
