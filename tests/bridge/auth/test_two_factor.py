"""Two-factor set-up, enable and disable: codes, replays, states, and what 2FA ends."""

from __future__ import annotations

from auth_helpers import PASSWORD, code_now

from bridge.auth import ratelimit


async def enabled(relay, username: str = "alice"):
    user = await relay.user("acme", username, role="staff")
    secret = (await user.call("POST", "/me/2fa/setup", status=200))["secret"]
    await user.call("POST", "/me/2fa/enable", {"otp": code_now(secret)}, key="", status=200)
    return user, secret


async def test_enable_needs_setup_and_a_right_code(relay):
    alice = await relay.user("acme", "alice", role="staff")
    assert (await alice.call("POST", "/me/2fa/enable", {"otp": "123456"}, status=409))["error"]["code"] == "conflict"
    secret = (await alice.call("POST", "/me/2fa/setup", status=200))["secret"]
    wrong = str((int(code_now(secret)) + 1) % 1_000_000).zfill(6)
    assert (await alice.call("POST", "/me/2fa/enable", {"otp": wrong}, key="", status=401))["error"]["code"] == "invalid_otp"
    assert (await alice.call("GET", "/me"))["two_factor_enabled"] is False
    await alice.call("POST", "/me/2fa/enable", {"otp": code_now(secret)}, key="", status=200)
    await alice.call("POST", "/me/2fa/setup", status=409)  # no silent re-keying while on


async def test_a_repeated_enable_with_the_same_key_replays_the_first_answer(relay):
    alice = await relay.user("acme", "alice", role="staff")
    secret = (await alice.call("POST", "/me/2fa/setup", status=200))["secret"]
    first = await alice.call("POST", "/me/2fa/enable", {"otp": code_now(secret)}, key="k-1", status=200)
    assert await alice.call("POST", "/me/2fa/enable", {"otp": code_now(secret)}, key="k-1", status=200) == first


async def test_disable_needs_a_fresh_code_and_then_tokens_work_again(relay, raw):
    alice, secret = await enabled(relay)
    await alice.call("POST", "/me/api-token", status=409)  # no API tokens while 2FA is on
    replay = await alice.call("POST", "/me/2fa/disable", {"otp": code_now(secret)}, key="", status=401)
    assert replay["error"]["code"] == "invalid_otp"
    await alice.call("POST", "/me/2fa/disable", {"otp": code_now(secret, 1)}, key="", status=200)
    assert (await alice.call("GET", "/me"))["two_factor_enabled"] is False
    await raw.post("acme", "/auth/login", {"username": "alice", "password": PASSWORD}, status=200)
    token = (await alice.call("POST", "/me/api-token", status=201))["api_token"]
    await raw.post("acme", "/auth/token-login", {"api_token": token}, status=200)


async def test_wrong_codes_count_against_the_account(relay, raw):
    _alice, secret = await enabled(relay)
    login = {"username": "alice", "password": PASSWORD, "otp": "000000" if code_now(secret) != "000000" else "111111"}
    for _ in range(ratelimit.ACCOUNT_MAX_FAILURES):
        status, body, _ = await raw.send("POST", "/api/v1/acme/auth/login", login)
        assert status == 401 and body["error"]["code"] == "invalid_otp"
    status, _, headers = await raw.send("POST", "/api/v1/acme/auth/login", {**login, "otp": code_now(secret, 1)})
    assert status == 429 and int(headers["Retry-After"]) > 0
