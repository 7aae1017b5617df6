"""Failed sign-ins: at most 100 consecutive failures per account, then 429 with
Retry-After; a per-address limit too; and the password check outside the writer."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from auth_helpers import PASSWORD

from bridge import appkeys
from bridge.auth import ratelimit


async def test_the_101st_failed_login_for_an_account_gets_429(relay, raw):
    await relay.user("acme", "alice", role="staff")
    wrong = {"username": "alice", "password": "not the password"}
    statuses = []
    for _ in range(ratelimit.ACCOUNT_MAX_FAILURES):
        statuses.append((await raw.send("POST", "/api/v1/acme/auth/login", wrong))[0])
    assert statuses == [401] * 100
    status, body, headers = await raw.send("POST", "/api/v1/acme/auth/login", wrong)
    assert (status, body["error"]["code"]) == (429, "rate_limited")
    assert 0 < int(headers["Retry-After"]) <= ratelimit.ACCOUNT_LOCK_SECONDS
    # Even the right password waits; another account does not.
    status, _, headers = await raw.send("POST", "/api/v1/acme/auth/login", {"username": "alice", "password": PASSWORD})
    assert status == 429 and "Retry-After" in headers
    await relay.user("acme", "bob", role="staff")


def test_account_policy_locks_at_the_limit_and_again_after_each_later_failure():
    now = relay_now = __import__("datetime").datetime(2026, 1, 1, tzinfo=__import__("datetime").timezone.utc)
    state = ratelimit.AccountFailures()
    for _ in range(99):
        state = ratelimit.after_account_failure(state, now)
    assert ratelimit.account_retry_after(state, now) is None
    state = ratelimit.after_account_failure(state, now)
    assert ratelimit.account_retry_after(state, now) == ratelimit.ACCOUNT_LOCK_SECONDS
    later = relay_now + timedelta(seconds=ratelimit.ACCOUNT_LOCK_SECONDS)
    assert ratelimit.account_retry_after(state, later) is None  # one more try after the lock
    assert ratelimit.account_retry_after(ratelimit.after_account_failure(state, later), later) == ratelimit.ACCOUNT_LOCK_SECONDS


async def test_success_resets_the_count(relay, raw):
    await relay.user("acme", "alice", role="staff")
    for _ in range(60):
        await raw.send("POST", "/api/v1/acme/auth/login", {"username": "alice", "password": "nope"}, status=401)
    await relay.user("acme", "alice")  # signs in with the right password
    for _ in range(60):
        await raw.send("POST", "/api/v1/acme/auth/login", {"username": "alice", "password": "nope"}, status=401)


async def test_per_address_limit_covers_unknown_users_and_tokens(relay, raw):
    await relay.user("acme", "alice", role="staff")
    relay.app[appkeys.TOKENS].addresses = ratelimit.AddressLimiter(max_failures=5, window_seconds=600)
    for number in range(5):
        await raw.send("POST", "/api/v1/acme/auth/login", {"username": f"ghost{number}", "password": "x"}, status=401)
    status, body, headers = await raw.send("POST", "/api/v1/acme/auth/token-login", {"api_token": "tc_whatever"})
    assert status == 429 and int(headers["Retry-After"]) > 0, body
    await raw.send("POST", "/api/v1/acme/auth/login", {"username": "alice", "password": PASSWORD}, status=429)


async def test_password_check_does_not_hold_the_writer(relay, raw):
    """While logins hash, writes go through: the writer is not held during Argon2id."""
    alice = await relay.user("acme", "alice", role="staff")
    logins = [
        asyncio.ensure_future(raw.send("POST", "/api/v1/acme/auth/login", {"username": "alice", "password": PASSWORD}))
        for _ in range(6)
    ]
    await asyncio.sleep(0.01)
    async with relay.database.write():
        pending = sum(not task.done() for task in logins)  # we got the writer while they hashed
    results = await asyncio.gather(*logins)
    assert all(status == 200 for status, _, _ in results)
    # Had a login held the writer while hashing, we would have waited for it to finish.
    assert pending == len(logins)
    await alice.call("GET", "/me", status=200)
