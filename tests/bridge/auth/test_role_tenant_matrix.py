"""Every endpoint × the four roles × two tenants: who gets a 2xx.

The endpoint list comes from ``bridge.api.routes.all_routes()``, so a new route is in
the matrix the day it is added. Each route has probes below (a request that succeeds for
the roles that may make it); a route without one gets a generic probe, which still
checks tenant isolation, and is listed in the printout so someone adds a real probe.

For every probe and calling role three relations are tried:
- own: the caller's tenant path and resources: 2xx exactly for the allowed roles;
- foreign path: the other tenant's path and resources with the caller's credentials;
- foreign ids: the caller's tenant path naming the other tenant's resources (users,
  tasks, entries, development key), for the probes that name any.
Both foreign relations must never answer 2xx.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from auth_helpers import PASSWORD, code_now

from bridge import appkeys
from bridge.api.routes import all_routes
from bridge.auth import opaque, ratelimit, totp
from bridge.store import accounts, credentials, teams
from bridge.store.models import User

ROLES = ("owner", "admin", "team_leader", "staff")
TENANTS = ("acme", "globex")
ALL = frozenset(ROLES)
LEADERS = frozenset({"owner", "admin", "team_leader"})
ADMINS = frozenset({"owner", "admin"})
#: Users of each tenant: the four callers, a member of the team_leader's team, an outsider.
PEOPLE = {"owner": "owner", "admin": "admin", "team_leader": "team_leader", "staff": "staff", "member": "staff", "outsider": "staff"}
TASK = {"source": "asana", "external_id": "1201", "title": "Launch post", "url": "https://app.asana.com/0/77/1201",
        "project": {"external_id": "77", "name": "Launch"}, "project_count": 1}


@dataclass
class TenantWorld:
    slug: str
    tenant_id: int
    users: dict[str, Any]
    task_id: int


@dataclass
class Req:
    method: str
    path: str
    json: Any = None
    bearer: str | None = None

    def key(self) -> tuple[str, str, str]:
        return (self.method, self.path, repr(self.json))


@dataclass
class Ctx:
    relay: Any
    worlds: dict[str, TenantWorld]
    role: str
    caller_tenant: str
    path_tenant: str
    res_tenant: str

    @property
    def caller(self) -> Any:
        return self.worlds[self.caller_tenant].users[self.role]

    @property
    def res(self) -> TenantWorld:
        return self.worlds[self.res_tenant]

    def target(self, who: str) -> Any:
        """A user of the resource tenant: "self" is the one with the caller's role."""
        return self.res.users[self.role if who == "self" else who]

    def api(self, path: str, method: str = "GET", json: Any = None) -> Req:
        return Req(method, f"/api/v1/{self.path_tenant}{path}", json, self.caller.token)


Build = Callable[[Ctx], Awaitable[Req]]


@dataclass
class Probe:
    variant: str
    allowed: frozenset[str]
    build: Build
    #: Whether the request names resources (users, tasks, entries, keys) of ``res_tenant``.
    names_resources: bool = False
    after: Callable[[Ctx], Awaitable[None]] | None = None
    checked: bool = True  # False: generic probe, tenant isolation only


# ---- state helpers (through the store: fast, and not what is being tested) -------------


async def set_two_factor(ctx: Ctx, secret: str | None, enabled: bool) -> None:
    caller = ctx.caller
    async with ctx.relay.database.write() as tx:
        statement = sa.update(User).where(User.id == caller.user_id)
        await tx.session.execute(statement.values(totp_secret=secret, totp_enabled=enabled, totp_last_step=0))


async def two_factor_off(ctx: Ctx) -> None:
    await set_two_factor(ctx, None, False)


async def fresh_api_token(ctx: Ctx) -> str:
    token = opaque.API_TOKEN.new()
    async with ctx.relay.database.write() as tx:
        await credentials.replace_api_token(tx, ctx.worlds[ctx.caller_tenant].tenant_id, ctx.caller.user_id, opaque.digest(token), datetime.now(UTC))
    return token


async def fresh_refresh_token(ctx: Ctx) -> str:
    world = ctx.worlds[ctx.caller_tenant]
    async with ctx.relay.database.write() as tx:
        user = await accounts.user_by_id(tx.session, world.tenant_id, ctx.caller.user_id)
        answer = await ctx.relay.app[appkeys.TOKENS].start_session(tx, user, "password", datetime.now(UTC).replace(microsecond=0))
    return answer["refresh_token"]


async def entry_of(ctx: Ctx, who: str) -> int:
    owner = ctx.target(who)
    today = datetime.now(UTC).date().isoformat()
    body = {"task_id": ctx.res.task_id, "date": today, "duration_seconds": 60, "notes": "matrix"}
    return (await owner.call("POST", "/entries", body, status=201))["entry"]["id"]


async def timer_running(ctx: Ctx, paused: bool = False) -> None:
    caller, task_id = ctx.caller, ctx.worlds[ctx.caller_tenant].task_id
    await caller.call("POST", "/timer/start", {"task_id": task_id}, status=200)
    if paused:
        await caller.call("POST", "/timer/pause", {}, status=200)


def month() -> str:
    return datetime.now(UTC).strftime("%Y-%m")


# ---- probes, by route ---------------------------------------------------------------------


def simple(method: str, path: str, json: Any = None, allowed: frozenset[str] = ALL) -> list[Probe]:
    async def build(ctx: Ctx) -> Req:
        return ctx.api(path, method, json)

    return [Probe("", allowed, build)]


def public(build: Build) -> list[Probe]:
    return [Probe("", ALL, build)]


def for_user(method: str, path: Callable[[Ctx, int], str], json: Any = None) -> list[Probe]:
    """Variants reading another user's time: self, a led team member, an outsider."""
    def variant(who: str) -> Build:
        async def build(ctx: Ctx) -> Req:
            return ctx.api(path(ctx, ctx.target(who).user_id), method, json)
        return build

    return [Probe(who, allowed, variant(who), names_resources=True) for who, allowed in (("self", ALL), ("member", LEADERS), ("outsider", ADMINS))]


def on_entry(method: str, json: Any = None) -> list[Probe]:
    """Variants changing an entry: one's own, a team member's, an outsider's."""
    def variant(who: str) -> Build:
        async def build(ctx: Ctx) -> Req:
            return ctx.api(f"/entries/{await entry_of(ctx, who)}", method, json)
        return build

    return [Probe(who, allowed, variant(who), names_resources=True) for who, allowed in (("self", ALL), ("member", ADMINS), ("outsider", ADMINS))]


def on_task(changes: dict[str, Any], allowed: frozenset[str]) -> Probe:
    async def build(ctx: Ctx) -> Req:
        return ctx.api(f"/tasks/{ctx.res.task_id}", "PATCH", changes)

    return Probe(",".join(changes), allowed, build, names_resources=True)


def after_timer(path: str, paused: bool) -> list[Probe]:
    async def build(ctx: Ctx) -> Req:
        await timer_running(ctx, paused)
        return ctx.api(path, "POST", {})

    return [Probe("", ALL, build)]


def after_attendance(path: str, first: str) -> list[Probe]:
    async def build(ctx: Ctx) -> Req:
        await ctx.caller.call("POST", first, {})  # whatever the state was: now the opposite of path's
        return ctx.api(path, "POST", {})

    return [Probe("", ALL, build)]


async def login(ctx: Ctx) -> Req:
    return Req("POST", f"/api/v1/{ctx.path_tenant}/auth/login", {"username": ctx.caller.username, "password": PASSWORD})


async def token_login(ctx: Ctx) -> Req:
    return Req("POST", f"/api/v1/{ctx.path_tenant}/auth/token-login", {"api_token": await fresh_api_token(ctx)})


def with_refresh_token(path: str) -> Build:
    async def build(ctx: Ctx) -> Req:
        return Req("POST", f"/api/v1/{ctx.path_tenant}{path}", {"refresh_token": await fresh_refresh_token(ctx)})
    return build


async def legacy(ctx: Ctx) -> Req:
    """The resource tenant's current development key with the caller's API token."""
    dev_key = opaque.DEV_KEY.new()  # the dev-key probe replaced the world's earlier one
    async with ctx.relay.database.write() as tx:
        await credentials.set_dev_key(tx, ctx.res.tenant_id, opaque.digest(dev_key))
    query = urlencode({"api_dev_key": dev_key, "token": await fresh_api_token(ctx)})
    return Req("GET", f"/{ctx.path_tenant}/login?{query}")


async def enable_2fa(ctx: Ctx) -> Req:
    secret = totp.new_secret()
    await set_two_factor(ctx, secret, False)
    return ctx.api("/me/2fa/enable", "POST", {"otp": code_now(secret)})


async def disable_2fa(ctx: Ctx) -> Req:
    secret = totp.new_secret()
    await set_two_factor(ctx, secret, True)
    return ctx.api("/me/2fa/disable", "POST", {"otp": code_now(secret)})


T = "/api/v1/{tenant}"
PROBES: dict[tuple[str, str], list[Probe]] = {
    ("POST", f"{T}/auth/login"): public(login),
    ("GET", f"{T}/me"): simple("GET", "/me"),
    ("POST", f"{T}/me/api-token"): simple("POST", "/me/api-token"),
    ("DELETE", f"{T}/me/api-token"): simple("DELETE", "/me/api-token"),
    ("POST", f"{T}/me/2fa/setup"): simple("POST", "/me/2fa/setup"),
    ("POST", f"{T}/me/2fa/enable"): [Probe("", ALL, enable_2fa, after=two_factor_off)],
    ("POST", f"{T}/me/2fa/disable"): [Probe("", ALL, disable_2fa, after=two_factor_off)],
    ("POST", f"{T}/dev-key"): simple("POST", "/dev-key", allowed=ADMINS),
    ("POST", f"{T}/auth/token-login"): public(token_login),
    ("POST", f"{T}/auth/refresh"): public(with_refresh_token("/auth/refresh")),
    ("POST", f"{T}/auth/logout"): public(with_refresh_token("/auth/logout")),
    ("GET", "/{tenant}/login"): [Probe("", ALL, legacy, names_resources=True)],
    ("POST", f"{T}/tasks/resolve"): simple("POST", "/tasks/resolve", {"items": [TASK]}),
    ("PATCH", f"{T}/tasks/{{task_id}}"): [
        on_task({"billable": True}, LEADERS), on_task({"budget_seconds": 3600}, LEADERS), on_task({"completed": False}, ALL),
    ],
    ("GET", f"{T}/timer"): simple("GET", "/timer"),
    ("POST", f"{T}/timer/start"): [Probe("", ALL, lambda ctx: _start(ctx), names_resources=True)],
    ("POST", f"{T}/timer/pause"): after_timer("/timer/pause", paused=False),
    ("POST", f"{T}/timer/resume"): after_timer("/timer/resume", paused=True),
    ("POST", f"{T}/timer/stop"): after_timer("/timer/stop", paused=False),
    ("GET", f"{T}/today"): simple("GET", "/today"),
    ("POST", f"{T}/attendance/toggle"): simple("POST", "/attendance/toggle", {}),
    ("POST", f"{T}/attendance/clock-in"): after_attendance("/attendance/clock-in", "/attendance/clock-out"),
    ("POST", f"{T}/attendance/clock-out"): after_attendance("/attendance/clock-out", "/attendance/clock-in"),
    ("GET", f"{T}/entries"): for_user("GET", lambda ctx, uid: f"/entries?user_id={uid}"),
    ("POST", f"{T}/entries"): [Probe("", ALL, lambda ctx: _new_entry(ctx), names_resources=True)],
    ("PATCH", f"{T}/entries/{{entry_id}}"): on_entry("PATCH", {"notes": "edited"}),
    ("DELETE", f"{T}/entries/{{entry_id}}"): on_entry("DELETE"),
    ("GET", f"{T}/timesheet"): for_user("GET", lambda ctx, uid: f"/timesheet?month={month()}&user_id={uid}"),
}


async def _start(ctx: Ctx) -> Req:
    return ctx.api("/timer/start", "POST", {"task_id": ctx.res.task_id})


async def _new_entry(ctx: Ctx) -> Req:
    today = datetime.now(UTC).date().isoformat()
    return ctx.api("/entries", "POST", {"task_id": ctx.res.task_id, "date": today, "duration_seconds": 60})


def generic(method: str, path: str) -> list[Probe]:
    """For a route nobody wrote a probe for yet: tenant isolation only."""
    async def build(ctx: Ctx) -> Req:
        concrete = re.sub(r"{(\w+)}", lambda m: ctx.path_tenant if m.group(1) == "tenant" else str(ctx.res.task_id), path)
        return Req(method, concrete, None if method == "GET" else {}, ctx.caller.token)

    return [Probe("generic", ALL, build, names_resources=True, checked=False)]


# ---- the world and the run ---------------------------------------------------------------


async def build_world(relay: Any, slug: str) -> TenantWorld:
    users = {name: await relay.user(slug, f"{slug}-{name}", role=role) for name, role in PEOPLE.items()}
    async with relay.database.write() as tx:
        tenant = await accounts.tenant_by_slug(tx.session, slug)
        team = await teams.create_team(tx, tenant.id, "Crew", users["team_leader"].user_id)
        await teams.add_member(tx, tenant.id, team.id, users["member"].user_id)
    task_id = (await users["owner"].call("POST", "/tasks/resolve", {"items": [TASK]}, status=200))["items"][0]["task_id"]
    return TenantWorld(slug, tenant.id, users, task_id)


@dataclass
class Tally:
    cells: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


async def send(relay: Any, req: Req) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {req.bearer}"} if req.bearer else {}
    if req.method != "GET":
        headers["Idempotency-Key"] = str(uuid.uuid4())
    response = await relay.client.request(req.method, req.path, json=req.json, headers=headers)
    return response.status, await response.json()


async def run_cell(relay: Any, tally: Tally, label: str, probe: Probe, ctx: Ctx, relation: str) -> None:
    if relation == "foreign ids" and not probe.names_resources:
        return  # nothing in the request belongs to a tenant but the caller's credentials
    req = await probe.build(ctx)
    status, body = await send(relay, req)
    if probe.after:
        await probe.after(ctx)
    ok = 200 <= status < 300
    tally.statuses[status] += 1
    where = f"{label} [{probe.variant}] as {ctx.caller_tenant}/{ctx.role} ({relation}): {status} {body}"
    if status >= 500:
        tally.problems.append("5xx: " + where)
    if relation != "own":
        tally.cells["cross-tenant"] += 1
        tally.cells["cross-tenant 2xx"] += ok
        if ok:
            tally.problems.append("cross-tenant 2xx: " + where)
    elif not probe.checked:
        tally.cells["own (generic, unchecked)"] += 1
    elif ctx.role in probe.allowed:
        tally.cells["allowed"] += 1
        tally.cells["allowed 2xx"] += ok
        if not ok:
            tally.problems.append("allowed but refused: " + where)
    else:
        tally.cells["forbidden-role"] += 1
        tally.cells["forbidden-role 2xx"] += ok
        if ok:
            tally.problems.append("forbidden-role 2xx: " + where)


async def test_every_endpoint_by_role_and_tenant(relay, capsys):
    relay.app[appkeys.TOKENS].addresses = ratelimit.AddressLimiter(max_failures=100_000)
    worlds = {slug: await build_world(relay, slug) for slug in TENANTS}
    routes = all_routes()
    tally = Tally()
    unprobed = []
    for route in routes:
        probes = PROBES.get((route.method, route.path))
        if probes is None:
            unprobed.append(f"{route.method} {route.path}")
            probes = generic(route.method, route.path)
        for probe in probes:
            for caller_tenant in TENANTS:
                other = next(t for t in TENANTS if t != caller_tenant)
                for role in ROLES:
                    label = f"{route.method} {route.path}"
                    relations = [("own", caller_tenant, caller_tenant), ("foreign path", other, other), ("foreign ids", caller_tenant, other)]
                    for relation, path_tenant, res_tenant in relations:
                        ctx = Ctx(relay, worlds, role, caller_tenant, path_tenant, res_tenant)
                        await run_cell(relay, tally, label, probe, ctx, relation)
    with capsys.disabled():
        print(f"\nrole × tenant matrix: {len(routes)} endpoints, {sum(len(PROBES.get((r.method, r.path), [1])) for r in routes)} probes, 4 roles, 2 tenants")
        for name in ("allowed", "allowed 2xx", "forbidden-role", "forbidden-role 2xx", "cross-tenant", "cross-tenant 2xx", "own (generic, unchecked)"):
            print(f"  {name:28} {tally.cells[name]}")
        print(f"  statuses: {dict(sorted(tally.statuses.items()))}")
        if unprobed:
            print(f"  routes without a probe (tenant isolation only; add one): {unprobed}")
        for problem in tally.problems[:20]:
            print("  PROBLEM", problem)
    assert tally.problems == []
    assert tally.cells["cross-tenant 2xx"] == 0 and tally.cells["forbidden-role 2xx"] == 0
    assert tally.cells["forbidden-role"] > 0 and tally.cells["allowed 2xx"] == tally.cells["allowed"] > 0
