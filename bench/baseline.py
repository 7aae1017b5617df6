"""The bare baselines, each the least code that does the same job as the relay.

``python -m bench.baseline ws --port P``: a ``websockets`` server speaking the relay's
live protocol in its simplest form: hello (the token is the user id) then welcome and
the missed events from an in-memory log, ``ping``/``pong``, and a trigger socket (first
message ``{"type": "trigger"}``) whose messages ``{"id", "user", "name"}`` are numbered,
logged and broadcast with ``websockets.broadcast`` to that user's sockets (``user``
null: every socket), then acknowledged. No database, no authentication.

``python -m bench.baseline http --port P --database FILE``: aiohttp with one
synchronous stdlib ``sqlite3`` connection in WAL mode (synchronous=NORMAL, like the
relay): ``POST /insert`` commits one row; ``GET /timesheet?user_id=&month=`` runs the
month view's one query on the relay's own database and answers the rows as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sqlite3
from collections import defaultdict
from typing import Any

#: Same keepalive as the relay's aiohttp heartbeat, so idle CPU compares like for like.
HEARTBEAT_SECONDS = 55.0  # as the relay's (bridge.live.handler)


class Broadcaster:
    """Sockets by user, the event log, and the trigger handling."""

    def __init__(self) -> None:
        self.by_user: dict[int, set[Any]] = defaultdict(set)
        self.everyone: set[Any] = set()
        self.log: list[tuple[int, int | None, str]] = []

    async def handle(self, ws: Any) -> None:
        """One connection: a live client or the trigger."""
        try:
            first = json.loads(await ws.recv())
        except Exception:  # noqa: BLE001 - a stray client must not stop the server
            return
        if first.get("type") == "trigger":
            await self._triggers(ws)
        elif first.get("type") == "hello":
            await self._client(ws, int(first["token"]), int(first.get("since", 0)))

    async def _client(self, ws: Any, user: int, since: int) -> None:
        import websockets

        seq = len(self.log)
        await ws.send(json.dumps({"type": "welcome", "seq": seq}))
        for event_seq, owner, frame in self.log[since:seq]:
            if owner is None or owner == user:
                await ws.send(frame)
        self.by_user[user].add(ws)
        self.everyone.add(ws)
        try:
            async for message in ws:
                if json.loads(message).get("type") == "ping":
                    await ws.send('{"type":"pong"}')
        except websockets.ConnectionClosed:
            pass
        finally:
            self.by_user[user].discard(ws)
            self.everyone.discard(ws)

    async def _triggers(self, ws: Any) -> None:
        import websockets

        async for message in ws:
            order = json.loads(message)
            user = order.get("user")
            seq = len(self.log) + 1
            frame = json.dumps({"type": "event", "seq": seq, "name": order["name"], "data": {"user": user}}, separators=(",", ":"))
            self.log.append((seq, user, frame))
            websockets.broadcast(self.everyone if user is None else self.by_user.get(user, ()), frame)
            await ws.send(json.dumps({"id": order["id"], "seq": seq}))


async def serve_ws(port: int) -> None:
    import websockets

    hub = Broadcaster()
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    async with websockets.serve(hub.handle, "127.0.0.1", port, ping_interval=HEARTBEAT_SECONDS, backlog=4096, max_queue=None):
        await stop


MONTH_QUERY = """
SELECT entry.id, entry.day, entry.duration_seconds, entry.notes, entry.started_at, entry.ended_at,
       task.id, task.title, task.source, task.external_id, task.url, project.id, project.name
FROM entry JOIN task ON task.id = entry.task_id LEFT JOIN project ON project.id = task.project_id
WHERE entry.tenant_id = (SELECT tenant_id FROM user WHERE id = ?) AND entry.user_id = ? AND entry.day BETWEEN ? AND ?
ORDER BY entry.day, entry.id
"""


def http_app(database: str) -> Any:
    from aiohttp import web

    connection = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
        connection.execute(f"PRAGMA {pragma}")
    connection.execute("CREATE TABLE IF NOT EXISTS bench_insert (id INTEGER PRIMARY KEY, key TEXT, body TEXT)")

    async def insert(request: web.Request) -> web.Response:
        body = await request.read()
        with connection:  # one short transaction, committed
            connection.execute("BEGIN IMMEDIATE")
            row = connection.execute(
                "INSERT INTO bench_insert (key, body) VALUES (?, ?)", (request.headers.get("Idempotency-Key", ""), body.decode())
            ).lastrowid
        return web.json_response({"id": row})

    async def timesheet(request: web.Request) -> web.Response:
        user = int(request.query["user_id"])
        month = request.query["month"]
        rows = connection.execute(MONTH_QUERY, (user, user, f"{month}-01", f"{month}-31")).fetchall()
        return web.json_response({"month": month, "total_seconds": sum(r[2] for r in rows), "entries": rows})

    app = web.Application()
    app.router.add_post("/insert", insert)
    app.router.add_get("/timesheet", timesheet)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.baseline")
    parser.add_argument("kind", choices=["ws", "http"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", default="")
    args = parser.parse_args()
    if args.kind == "ws":
        asyncio.run(serve_ws(args.port))
    else:
        from aiohttp import web

        web.run_app(http_app(args.database), host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
