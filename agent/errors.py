"""The agent's errors: subclasses of ``bridge.core.errors``, so the CLI maps them too.

Raise these from the agent only; anything a relay answer carries is rebuilt as the
matching ``bridge.core.errors`` class by ``agent.relay_client``. The tree::

    TaskclockError                       (bridge.core.errors)
    ├── InvalidInput                     usage mistakes: exit 2
    ├── NotAuthenticated                 the relay refused the credential
    └── AgentError                       the agent itself cannot do its job: exit 1
        ├── KeyringUnavailable           no real OS keyring (plaintext or failing backend)
        ├── NotLoggedIn                  no credential stored: run `taskclock agent login`
        ├── RelayUnreachable             network failure or 5xx; the outbox keeps commands
        ├── AgentNotRunning              no daemon listens on the socket and none could start
        └── FrameError                   a native-messaging frame that cannot be read or sent
            └── FrameTooLarge            over the browser's (or our) size limit
"""

from __future__ import annotations

from bridge.core.errors import TaskclockError


class AgentError(TaskclockError):
    """Base of the failures that belong to the agent rather than to the relay."""

    code = "agent_error"


class KeyringUnavailable(AgentError):
    code = "keyring_unavailable"


class NotLoggedIn(AgentError):
    code = "not_signed_in"


class RelayUnreachable(AgentError):
    code = "relay_unavailable"


class AgentNotRunning(AgentError):
    code = "agent_not_running"


class FrameError(AgentError):
    code = "bad_frame"


class FrameTooLarge(FrameError):
    code = "frame_too_large"
