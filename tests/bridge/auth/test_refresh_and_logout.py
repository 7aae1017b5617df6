"""Refresh tokens rotate on every use; a reused one revokes its family; logout revokes."""

from __future__ import annotations

from auth_helpers import PASSWORD
from auth_helpers import relay_on_both_backends as relay_settings  # noqa: F401  (each test on both stores)


async def password_login(raw, tenant: str = "acme", username: str = "alice") -> dict:
    return await raw.post(tenant, "/auth/login", {"username": username, "password": PASSWORD}, status=200)


async def test_refresh_rotates_and_reuse_revokes_the_family(relay, raw):
    await relay.user("acme", "alice", role="staff")
    first = await password_login(raw)
    second = await raw.post("acme", "/auth/refresh", {"refresh_token": first["refresh_token"]}, status=200)
    assert second["refresh_token"] != first["refresh_token"] and second["access_token"]
    third = await raw.post("acme", "/auth/refresh", {"refresh_token": second["refresh_token"]}, status=200)

    reused = await raw.post("acme", "/auth/refresh", {"refresh_token": first["refresh_token"]}, status=401)
    assert reused["error"]["code"] == "refresh_reused"
    # The whole family is gone: the newest refresh token and every access token of it.
    await raw.post("acme", "/auth/refresh", {"refresh_token": third["refresh_token"]}, status=401)
    for pair in (first, second, third):
        await raw.send("GET", "/api/v1/acme/me", token=pair["access_token"], status=401)

    # Another sign-in of the same user is untouched.
    other = await password_login(raw)
    await raw.send("GET", "/api/v1/acme/me", token=other["access_token"], status=200)
    await raw.post("acme", "/auth/refresh", {"refresh_token": other["refresh_token"]}, status=200)


async def test_logout_revokes_the_family(relay, raw):
    await relay.user("acme", "alice", role="staff")
    pair = await password_login(raw)
    assert await raw.post("acme", "/auth/logout", {"refresh_token": pair["refresh_token"]}, status=200) == {"ok": True}
    await raw.post("acme", "/auth/refresh", {"refresh_token": pair["refresh_token"]}, status=401)
    await raw.send("GET", "/api/v1/acme/me", token=pair["access_token"], status=401)
    await raw.post("acme", "/auth/logout", {"refresh_token": pair["refresh_token"]}, status=200)  # twice is fine


async def test_refresh_tokens_belong_to_their_tenant(relay, raw):
    await relay.user("acme", "alice", role="staff")
    await relay.user("globex", "gus", role="staff")
    pair = await password_login(raw)
    await raw.post("globex", "/auth/refresh", {"refresh_token": pair["refresh_token"]}, status=401)
    await raw.post("globex", "/auth/logout", {"refresh_token": pair["refresh_token"]}, status=401)
    await raw.post("acme", "/auth/refresh", {"refresh_token": pair["refresh_token"]}, status=200)  # not revoked by globex


async def test_malformed_refresh_token_is_refused(relay, raw):
    await relay.user("acme", "alice", role="staff")
    pair = await password_login(raw)
    mistyped = pair["refresh_token"][:-1] + ("A" if pair["refresh_token"][-1] != "A" else "B")
    body = await raw.post("acme", "/auth/refresh", {"refresh_token": mistyped}, status=401)
    assert "mistyped" in body["error"]["message"]
