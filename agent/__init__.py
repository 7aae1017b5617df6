"""taskclock's companion agent: keyring login, durable outbox, native-messaging host.

Pure logic, no I/O (driven by the shells below, tested without sockets; a test keeps
them so): ``command`` (a browser command as kept), ``framing`` (native-messaging
frames), ``backoff`` (reconnection delays), ``clock`` (offset to the relay's clock
from Date headers), ``routes`` (browser op -> REST call, with bridge.core's
validation), ``replay`` (occurred_at stamps, what an answer means for an outbox row),
``state`` (today's view with unconfirmed commands applied).

I/O shells, each the only importer of its library: ``credentials`` (keyring),
``sealing`` (cryptography, AES-GCM), ``outbox`` (sqlmodel), ``relay_client`` (aiohttp),
``link`` (websockets). Around them: ``ipc`` (the private Unix socket), ``forwarder``
(drains the outbox in order), ``daemon`` (requests, pushes), ``run`` (process start
and stop), ``native_host`` (the stdio bridge browsers start), ``installer``, ``login``,
``status`` and ``cli`` (the ``taskclock agent`` commands). Errors: ``errors``.

Choices where DESIGN.md and CONTRACT.md are silent:

- The login is one keyring entry (relay, tenant, username, kind, secret). A password
  is never stored: it is traded for a refresh token, rotated on every use.
- The whole command body is sealed at rest (not only the notes), bound to its
  Idempotency-Key; the key lives in the keyring beside the login.
- ``occurred_at`` is stamped when a command is accepted, so that every retry is the
  identical request (the relay fingerprints bodies per Idempotency-Key).
- A state-changing request waits up to 5 s for the relay's answer, then is answered
  ``queued``; ``today`` is answered from memory (with queued commands applied and
  ``"optimistic": true``); ``resolve`` offline is answered from tasks seen before.
- The daemon is "connected" when the REST API answers; ``live`` in ``status`` says
  whether the websocket is welcomed. Commands flow even while live updates do not.
"""

__version__ = "0.1.0"
