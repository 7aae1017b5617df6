from __future__ import annotations


async def test_resolve_and_start(relay, asana_task):
    alice = await relay.user("acme", "alice")
    items = (await alice.call("POST", "/tasks/resolve", {"items": [asana_task]}, status=200))["items"]
    started = await alice.call("POST", "/timer/start", {"task_id": items[0]["task_id"]}, key="", status=200)
    assert started["timer"]["state"] == "running"
