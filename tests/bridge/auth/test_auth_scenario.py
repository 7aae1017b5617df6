"""Issue 3's scenario: API token, token-login, 2FA on, the old token refused, password
login needing a fresh code, and the legacy call with the right and a wrong dev key."""

from __future__ import annotations

from urllib.parse import urlencode

from auth_helpers import PASSWORD, code_now
from auth_helpers import relay_on_both_backends as relay_settings  # noqa: F401  (each test on both stores)


async def test_api_token_two_factor_and_legacy_scenario(relay, raw):
    alice = await relay.user("acme", "alice", role="staff")
    api_token = (await alice.call("POST", "/me/api-token", status=201))["api_token"]
    assert api_token.startswith("tc_")

    pair = await raw.post("acme", "/auth/token-login", {"api_token": api_token}, status=200)
    assert pair["access_token"] and pair["refresh_token"].startswith("tcr_") and pair["user"]["username"] == "alice"
    assert (await raw.send("GET", "/api/v1/acme/me", token=pair["access_token"], status=200))[1]["two_factor_enabled"] is False

    setup = await alice.call("POST", "/me/2fa/setup", status=200)
    assert setup["otpauth_uri"].startswith("otpauth://totp/") and f"secret={setup['secret']}" in setup["otpauth_uri"]
    used_code = code_now(setup["secret"])
    await alice.call("POST", "/me/2fa/enable", {"otp": used_code}, key="", status=200)
    assert (await alice.call("GET", "/me", status=200))["two_factor_enabled"] is True

    refused = await raw.post("acme", "/auth/token-login", {"api_token": api_token}, status=401)
    assert refused["error"]["code"] == "api_token_disabled"
    # The sign-in made with the API token ended too.
    await raw.send("GET", "/api/v1/acme/me", token=pair["access_token"], status=401)

    login = {"username": "alice", "password": PASSWORD}
    assert (await raw.post("acme", "/auth/login", login, status=401))["error"]["code"] == "otp_required"
    replayed = await raw.post("acme", "/auth/login", {**login, "otp": used_code}, status=401)
    assert replayed["error"]["code"] == "invalid_otp"
    fresh = await raw.post("acme", "/auth/login", {**login, "otp": code_now(setup["secret"], 1)}, status=200)
    assert fresh["user"]["two_factor_enabled"] is True

    owner = await relay.user("acme", "olga", role="owner")
    dev_key = (await owner.call("POST", "/dev-key", status=201))["api_dev_key"]
    bob = await relay.user("acme", "bob", role="staff")
    bob_token = (await bob.call("POST", "/me/api-token", status=201))["api_token"]
    query = urlencode({"api_dev_key": dev_key, "token": bob_token})
    legacy = (await raw.send("GET", f"/acme/login?{query}", status=200))[1]
    assert legacy["user"]["username"] == "bob" and legacy["refresh_token"]

    other_owner = await relay.user("globex", "gus", role="owner")
    other_key = (await other_owner.call("POST", "/dev-key", status=201))["api_dev_key"]
    query = urlencode({"api_dev_key": other_key, "token": bob_token})
    assert (await raw.send("GET", f"/acme/login?{query}", status=401))[1]["error"]["code"] == "invalid_credentials"
    # Nor does acme's key open globex with acme's user token.
    query = urlencode({"api_dev_key": dev_key, "token": bob_token})
    await raw.send("GET", f"/globex/login?{query}", status=401)
