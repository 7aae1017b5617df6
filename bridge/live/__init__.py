"""The live hub: committed events pushed to websockets, on one relay or many.

Modules: ``core`` (decisions, no I/O), ``sockets`` (one socket's bounded queue),
``hub`` (routing and ordering), ``handler`` (the websocket endpoint), ``fanout`` (the
interface and the in-process implementation), ``redis_fanout`` (Redis pub/sub; the only
importer of ``redis``). ``bridge.store.catchup`` holds the reads.

The conversation on ``GET /api/v1/{tenant}/live`` (CONTRACT.md "Live websocket", plus
what it leaves to us, marked *ours*)::

    client  {"type":"hello","token":T,"since":N,"subscribe":["activity"]}
    server  {"type":"error","error":{"code":"forbidden",…}}       (not allowed to watch)
    server  {"type":"welcome","seq":S}
    server  every missed event with N < seq <= S, in order         (or, when the log no
            longer holds N+1, or N > S: {"type":"snapshot","seq":S,"state":/today})
    server  {"type":"event","seq":…,"name":…,"data":…}             (live, seq > S)
    client  {"type":"ping"}            server {"type":"pong"}
    *ours*  ~60 s before the token expires (at most a quarter of its remaining life):
    server  {"type":"error","error":{"code":"token_expiring","expires_at":E,…}}
    client  {"type":"auth","token":T2}  server {"type":"auth","ok":true,"expires_at":E2}
            (T2 must be the same user's; otherwise error + close 4401)
    server  at expiry without renewal: {"type":"error","error":{"code":"token_expired"}},
            then close 4401: the client refreshes its token and reconnects with since.

Close codes: 4401 bad, missing or expired token (also: no hello within 10 s);
4400 malformed hello (since, subscribe); 1013 *ours* the client fell
``Settings.socket_queue_limit`` events behind and was dropped (reconnect with since);
4409 *ours* the relay could not replay a hole in the stream (reconnect with since);
1001 the relay is shutting down.

Who gets what: a user's events go to all of that user's sockets; tenant-wide events
(``user_id`` None: ``task.updated``, ``project.updated``) to every socket of the tenant;
sockets subscribed to ``activity`` (owners, admins, team leaders) get every event of
the tenant. Never anything of another tenant.

Ordering and no loss: events are published only after commit (the database's commit
listener). Each tenant's sequence numbers are gapless, so the hub's per-tenant
``Sequencer`` delivers them strictly in order, drops repeats by ``(tenant, seq)``, and
when a hole stays open for 50 ms (an event still in flight on another task or relay,
or lost in transit) reads it from the event log. A socket joins the hub before its
catch-up is read and buffers live events meanwhile, so nothing falls between replay
and stream; duplicates are dropped by seq.

Clients: keep the ``seq`` of the last event or snapshot you applied and send it as
``since``. The welcome's ``seq`` says where the log stood; the replay that follows it
may be cut short by a disconnect, so it is not a safe ``since`` by itself.

Cheap fan-out: each event is rendered to UTF-8 JSON once. A socket whose transport has
room gets the frame written synchronously (``sockets.LiveSocket.push``), so fanning one
event out wakes no task per socket; a congested socket queues (bounded) and its sender
task waits for the drain. Live sockets therefore negotiate no permessage-deflate.

Scale-out with Redis (``--redis``): each relay delivers its own committed events to
its local sockets at once AND publishes them to Redis; what arrives from Redis
(everyone's, its own echo included) goes through the same sequencer, which drops the
echo. Every event is serialized once, on the relay that committed it; other relays
parse only a one-line header and forward the frame text to their sockets as-is.
"""
