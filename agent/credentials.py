"""The login, kept in the operating system's keyring: the only module importing ``keyring``.

Call ``Credentials.open()`` once where the agent starts (login command, daemon, status);
it picks the keyring backend and refuses one that would keep secrets in plain text or
cannot keep them at all. Tests install an in-memory backend with
``keyring.set_keyring`` (or ``PYTHON_KEYRING_BACKEND`` for subprocesses) first.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import asdict, dataclass
from typing import Any

import keyring
import keyring.backend
import keyring.errors

from agent.config import KEYRING_SERVICE
from agent.errors import KeyringUnavailable, NotLoggedIn

_LOGIN_ENTRY = "login"
_OUTBOX_KEY_ENTRY = "outbox-key"

#: Backends that store nothing, or store it readable by anyone who can read a file.
_REFUSED = {
    "keyrings.alt.file.PlaintextKeyring": "stores secrets in a plain-text file",
    "keyring.backends.fail.Keyring": "cannot store anything (no keyring was found)",
    "keyring.backends.null.Keyring": "stores nothing",
}

HOW_TO_GET_ONE = (
    "install and unlock a real keyring: on Debian/Ubuntu `apt-get install gnome-keyring dbus` "
    "and run in a desktop (D-Bus) session, or KWallet on KDE; macOS Keychain and Windows "
    "Credential Manager work out of the box; or point PYTHON_KEYRING_BACKEND at a secure backend"
)


@dataclass(frozen=True)
class StoredLogin:
    """What `taskclock agent login` keeps: where, who, and one secret.

    ``kind`` is ``api_token`` (auto-login: the daemon trades it for a session) or
    ``refresh_token`` (from a password login; rotated on every use).
    """

    relay: str
    tenant: str
    username: str
    kind: str
    secret: str

    @property
    def account(self) -> str:
        """One string naming this person at this relay; keys the outbox rows."""
        return f"{self.relay.rstrip('/')}|{self.tenant}|{self.username}"


def _class_path(backend: keyring.backend.KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def refusal(backend: keyring.backend.KeyringBackend) -> str | None:
    """Why ``backend`` is not good enough, or ``None`` when it is."""
    chained = getattr(backend, "backends", None)
    if _class_path(backend).endswith("chainer.ChainerBackend") and chained is not None:
        if not chained:
            return "no keyring backend is available"
        # The chainer writes to the first backend that accepts: judge that one.
        return refusal(chained[0])
    why = _REFUSED.get(_class_path(backend))
    return f"the keyring backend {_class_path(backend)} {why}" if why else None


class Credentials:
    """Reads and writes the agent's entries in the chosen keyring."""

    def __init__(self, backend: keyring.backend.KeyringBackend) -> None:
        self._backend = backend

    @classmethod
    def open(cls) -> Credentials:
        """The keyring the ``keyring`` library chose; raise if it is refused."""
        backend = keyring.get_keyring()
        why = refusal(backend)
        if why:
            raise KeyringUnavailable(f"{why}; {HOW_TO_GET_ONE}")
        return cls(backend)

    @property
    def backend_name(self) -> str:
        return _class_path(self._backend)

    def _get(self, entry: str) -> str | None:
        try:
            return self._backend.get_password(KEYRING_SERVICE, entry)
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(f"the keyring could not be read ({exc}); {HOW_TO_GET_ONE}") from exc

    def _set(self, entry: str, value: str) -> None:
        try:
            self._backend.set_password(KEYRING_SERVICE, entry, value)
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(f"the keyring could not be written ({exc}); {HOW_TO_GET_ONE}") from exc

    def save_login(self, login: StoredLogin) -> None:
        """Replace the stored login (after the relay accepted it)."""
        self._set(_LOGIN_ENTRY, json.dumps(asdict(login)))

    def load_login(self) -> StoredLogin:
        """The stored login; raise ``NotLoggedIn`` when there is none."""
        raw = self._get(_LOGIN_ENTRY)
        if not raw:
            raise NotLoggedIn("not signed in: run `taskclock agent login --relay URL --tenant SLUG "
                              "--username U --password-stdin`")
        try:
            data: dict[str, Any] = json.loads(raw)
            return StoredLogin(**{k: str(data[k]) for k in ("relay", "tenant", "username", "kind", "secret")})
        except (ValueError, KeyError, TypeError) as exc:
            raise NotLoggedIn("the stored login is damaged: run `taskclock agent login` again") from exc

    def forget_login(self) -> None:
        """Remove the login (a refused API token, a revoked refresh token)."""
        try:
            self._backend.delete_password(KEYRING_SERVICE, _LOGIN_ENTRY)
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(f"the keyring could not be written ({exc})") from exc

    def outbox_key(self) -> bytes:
        """The 256-bit AES-GCM key for notes at rest; made on first use."""
        raw = self._get(_OUTBOX_KEY_ENTRY)
        if raw:
            key = base64.b64decode(raw)
            if len(key) == 32:
                return key
        key = secrets.token_bytes(32)
        self._set(_OUTBOX_KEY_ENTRY, base64.b64encode(key).decode("ascii"))
        return key
