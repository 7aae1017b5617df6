"""Throttling failed sign-ins, per account and per client address.

Per account (kept in the database, so every relay process agrees): at most
``ACCOUNT_MAX_FAILURES`` consecutive failures, as NIST SP 800-63B §5.2.2 allows; the
failure that reaches the limit locks the account for ``ACCOUNT_LOCK_SECONDS`` and every
further failure locks it again; a successful sign-in resets the count. Call
``account_retry_after`` before checking a password and ``after_account_failure`` when it
was wrong.

Per address (in memory, per process: a flood of bad attempts must not turn into a
flood of database writes): at most ``max_failures`` failures in a fixed window. Call
``AddressLimiter.check`` before and ``record_failure`` after a failed attempt. The
address is the peer address; behind a reverse proxy that is the proxy, so the limit is
generous and the account limit does the real work.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from bridge.core.errors import RateLimited

ACCOUNT_MAX_FAILURES = 100
ACCOUNT_LOCK_SECONDS = 15 * 60


@dataclass(frozen=True)
class AccountFailures:
    """What the store keeps per account."""

    failures: int = 0
    locked_until: datetime | None = None


def account_retry_after(state: AccountFailures, now: datetime) -> int | None:
    """Seconds until the account may try again, or None when it may try now."""
    if state.locked_until is None or state.locked_until <= now:
        return None
    return max(1, math.ceil((state.locked_until - now).total_seconds()))


def after_account_failure(state: AccountFailures, now: datetime) -> AccountFailures:
    """The state after one more failed attempt."""
    failures = state.failures + 1
    locked = now + timedelta(seconds=ACCOUNT_LOCK_SECONDS) if failures >= ACCOUNT_MAX_FAILURES else None
    return AccountFailures(failures, locked)


def check_account(state: AccountFailures, now: datetime) -> None:
    """Raise ``RateLimited`` (429 with Retry-After) while the account is locked."""
    wait = account_retry_after(state, now)
    if wait is not None:
        raise RateLimited(f"too many failed sign-ins for this account; try again in {wait} s", retry_after=wait)


class AddressLimiter:
    """Failed attempts per client address in fixed windows; one per relay process."""

    def __init__(self, max_failures: int = 300, window_seconds: int = 15 * 60) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._windows: dict[str, tuple[int, int]] = {}  # address -> (window number, failures)

    def _window(self, now: datetime) -> int:
        return int(now.timestamp()) // self.window_seconds

    def check(self, address: str, now: datetime) -> None:
        """Raise ``RateLimited`` when ``address`` used up its failures in this window."""
        window, failures = self._windows.get(address, (-1, 0))
        current = self._window(now)
        if window == current and failures >= self.max_failures:
            wait = (current + 1) * self.window_seconds - int(now.timestamp())
            raise RateLimited(f"too many failed sign-ins from your address; try again in {wait} s", retry_after=max(1, wait))

    def record_failure(self, address: str, now: datetime) -> None:
        current = self._window(now)
        window, failures = self._windows.get(address, (current, 0))
        self._windows[address] = (current, failures + 1 if window == current else 1)
        if len(self._windows) > 100_000:  # forget old windows so memory stays bounded
            self._windows = {a: v for a, v in self._windows.items() if v[0] == current}
