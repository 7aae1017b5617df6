"""The one error hierarchy of taskclock.

Raised by the domain core and by the relay's store; translated to HTTP only at the
edge (``bridge.api.errors``), to exit codes only in the CLI. Each class carries the
``code`` that CONTRACT.md's error shape ``{"error": {"code", "message"}}`` shows::

    TaskclockError
    ├── InvalidInput          400  bad JSON, wrong types, unknown fields, broken rules
    ├── NotAuthenticated      401  no or bad credentials (codes: not_authenticated,
    │                              invalid_credentials, otp_required, api_token_disabled,
    │                              invalid_otp, token_expired, refresh_reused)
    ├── Forbidden             403  signed in, but the role does not allow it
    ├── NotFound              404  unknown, or another tenant's
    ├── Conflict              409  the state does not allow it (no timer to pause, ...)
    ├── Unprocessable         422  well-formed but refused (idempotency key reuse)
    │   └── Untrackable       422  the task cannot be tracked; ``reason`` says why
    └── RateLimited           429  too many attempts; ``retry_after`` in seconds
"""

from __future__ import annotations


class TaskclockError(Exception):
    """Base of every error a user or client can be shown."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def to_dict(self) -> dict[str, object]:
        """The body of CONTRACT.md's error shape, without the outer ``error`` key."""
        return {"code": self.code, "message": self.message}


class InvalidInput(TaskclockError):
    """The request breaks a validation rule; ``field`` names the culprit if known."""

    code = "invalid_input"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message, code=code)
        self.field = field

    def to_dict(self) -> dict[str, object]:
        body = super().to_dict()
        if self.field is not None:
            body["field"] = self.field
        return body


class NotAuthenticated(TaskclockError):
    code = "not_authenticated"


class Forbidden(TaskclockError):
    code = "forbidden"


class NotFound(TaskclockError):
    code = "not_found"


class Conflict(TaskclockError):
    code = "conflict"


class Unprocessable(TaskclockError):
    code = "unprocessable"


class Untrackable(Unprocessable):
    """Starting or logging time on a task the rules refuse."""

    code = "untrackable"

    def __init__(self, reason: str, message: str | None = None) -> None:
        super().__init__(message or f"this task cannot be tracked: {reason}")
        self.reason = reason

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "reason": self.reason}


class RateLimited(TaskclockError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
