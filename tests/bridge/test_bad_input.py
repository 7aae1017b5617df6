"""Bad input gets CONTRACT.md's error shape and status, and nothing is half-written."""

from __future__ import annotations

from datetime import timedelta

import pytest


async def setup(relay, asana_task):
    alice = await relay.user("acme", "alice")
    task_id = (await alice.call("POST", "/tasks/resolve", {"items": [asana_task]}))["items"][0]["task_id"]
    return alice, task_id


def assert_error(body, code=None):
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code, body


@pytest.mark.parametrize(
    "change, status, code",
    [
        ({"duration_seconds": -60}, 400, None),
        ({"duration_seconds": 0}, 400, None),
        ({"duration_seconds": 24 * 3600 + 1}, 400, None),
        ({"notes": "x" * 2001}, 400, None),
        ({"duration_seconds": "90"}, 400, None),
        ({"surprise": True}, 400, None),
        ({"date": "next tuesday"}, 400, None),
        ({"task_id": 999_999}, 404, "not_found"),
    ],
)
async def test_bad_entries_are_refused_and_nothing_is_written(relay, clock, asana_task, change, status, code):
    alice, task_id = await setup(relay, asana_task)
    body = {"task_id": task_id, "date": clock.now.date().isoformat(), "duration_seconds": 600, **change}
    assert_error(await alice.call("POST", "/entries", body, key="", status=status), code)
    assert (await alice.call("GET", "/entries"))["items"] == []


async def test_future_dates_and_day_over_24_hours(relay, clock, asana_task):
    alice, task_id = await setup(relay, asana_task)
    tomorrow = (clock.now + timedelta(days=2)).date().isoformat()
    assert_error(await alice.call("POST", "/entries", {"task_id": task_id, "date": tomorrow, "duration_seconds": 60}, status=400))
    today = clock.now.date().isoformat()
    await alice.call("POST", "/entries", {"task_id": task_id, "date": today, "duration_seconds": 20 * 3600}, status=201)
    body = await alice.call("POST", "/entries", {"task_id": task_id, "date": today, "duration_seconds": 5 * 3600}, status=400)
    assert_error(body, "day_limit")
    assert len((await alice.call("GET", "/entries"))["items"]) == 1


async def test_malformed_json_and_wrong_types(relay, asana_task):
    alice, _ = await setup(relay, asana_task)
    response = await relay.client.post(
        "/api/v1/acme/timer/start", data=b"{not json", headers={"Authorization": f"Bearer {alice.token}"}
    )
    assert response.status == 400
    assert_error(await response.json(), "invalid_json")
    assert_error(await alice.call("POST", "/timer/start", {"task_id": "1"}, status=400))
    assert_error(await alice.call("POST", "/timer/start", [], status=400))


async def test_another_tenants_task_is_404_and_untouched(relay, asana_task):
    alice, task_id = await setup(relay, asana_task)
    mallory = await relay.user("evil", "mallory")
    assert_error(await mallory.call("POST", "/timer/start", {"task_id": task_id}, status=404), "not_found")
    assert_error(await mallory.call("PATCH", f"/tasks/{task_id}", {"completed": True}, status=404), "not_found")
    created = await alice.call("POST", "/entries", {"task_id": task_id, "date": "2026-01-05", "duration_seconds": 60}, status=201)
    entry_id = created["entry"]["id"]
    assert_error(await mallory.call("DELETE", f"/entries/{entry_id}", status=404))
    assert_error(await mallory.call("PATCH", f"/entries/{entry_id}", {"notes": "x"}, status=404))
    assert len((await alice.call("GET", "/entries"))["items"]) == 1
    # A token of one tenant is no key to another tenant's URLs.
    response = await relay.client.get("/api/v1/acme/today", headers={"Authorization": f"Bearer {mallory.token}"})
    assert response.status == 404


@pytest.mark.parametrize(
    "page, reason",
    [
        ({"parent_external_id": "1100"}, "subtask"),
        ({"project_count": 2}, "multi-project"),
        ({"project": None, "project_count": 0}, "no-project"),
    ],
)
async def test_untrackable_tasks_are_422_with_reason(relay, clock, asana_task, page, reason):
    alice = await relay.user("acme", "alice")
    view = (await alice.call("POST", "/tasks/resolve", {"items": [{**asana_task, **page}]}))["items"][0]
    assert view["trackable"] is False and view["reason"] == reason
    body = await alice.call("POST", "/timer/start", {"task_id": view["task_id"]}, status=422)
    assert_error(body, "untrackable")
    assert body["error"]["reason"] == reason
    assert (await alice.call("GET", "/timer"))["timer"] is None
    day = clock.now.date().isoformat()
    await alice.call("POST", "/entries", {"task_id": view["task_id"], "date": day, "duration_seconds": 60}, status=422)


async def test_not_signed_in_and_conflicts(relay, asana_task):
    alice, _ = await setup(relay, asana_task)
    response = await relay.client.get("/api/v1/acme/today")
    assert response.status == 401
    assert_error(await response.json(), "not_authenticated")
    response = await relay.client.get("/api/v1/acme/today", headers={"Authorization": "Bearer nonsense"})
    assert response.status == 401
    assert_error(await alice.call("POST", "/timer/pause", {}, status=409), "no_timer")
    assert_error(await alice.call("GET", "/timesheet?month=2026-13", status=400))


async def test_staff_cannot_set_billing_but_team_leader_can(relay, asana_task):
    staff = await relay.user("acme", "sam", role="staff")
    lead = await relay.user("acme", "lea", role="team_leader")
    task_id = (await staff.call("POST", "/tasks/resolve", {"items": [asana_task]}))["items"][0]["task_id"]
    assert_error(await staff.call("PATCH", f"/tasks/{task_id}", {"billable": True}, status=403), "forbidden")
    patched = await lead.call("PATCH", f"/tasks/{task_id}", {"billable": True, "budget_seconds": 36000}, status=200)
    assert patched["task"]["billable"] is True and patched["task"]["budget_seconds"] == 36000
    jira = {"source": "jira", "external_id": "OPS-1", "title": "Jira", "url": "", "project": {"external_id": "OPS", "name": "Ops"}, "project_count": 1}
    jira_id = (await lead.call("POST", "/tasks/resolve", {"items": [jira]}))["items"][0]["task_id"]
    assert_error(await lead.call("PATCH", f"/tasks/{jira_id}", {"billable": True}, status=422))


async def test_openapi_describes_every_route(relay):
    response = await relay.client.get("/api/v1/openapi.json")
    doc = await response.json()
    for resource in relay.app.router.resources():
        info = resource.get_info()
        path = info.get("path") or info.get("formatter")
        if path in ("/api/v1/openapi.json", "/healthz"):
            continue
        assert path in doc["paths"], path


async def test_token_answers_are_never_cached(relay):
    await relay.user("acme", "alice")
    response = await relay.client.post("/api/v1/acme/auth/login", json={"username": "alice", "password": "correct horse battery"})
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
