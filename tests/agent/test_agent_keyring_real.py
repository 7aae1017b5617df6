"""The keyring path against a real Secret Service: gnome-keyring in a private D-Bus session.

Runs in a subprocess under ``dbus-run-session`` so that the rest of pytest never sees
the session. Missing tools are a failure that says how to get them, never a skip.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

pytestmark = pytest.mark.keyring


def require_tools() -> None:
    missing = [tool for tool in ("dbus-run-session", "gnome-keyring-daemon") if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"missing {', '.join(missing)}: the real-keyring test needs a Secret Service; "
            "run scripts/install-system-deps.sh as root (Debian: apt-get install dbus gnome-keyring)",
            pytrace=False,
        )


def test_login_and_outbox_key_live_in_gnome_keyring(tmp_path: Path) -> None:
    require_tools()
    home, runtime = tmp_path / "home", tmp_path / "run"
    home.mkdir()
    runtime.mkdir(mode=0o700)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(runtime),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "TASKCLOCK_HOME": str(tmp_path / "tc"),
        "PYTHONPATH": os.pathsep.join([str(HERE), str(REPO)]),
    }
    probe = f"{shlex.quote(sys.executable)} {shlex.quote(str(HERE / 'secret_service_probe.py'))}"
    folder = shlex.quote(str(tmp_path))
    script = (
        "printf test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && "
        f"{probe} write {folder} && {probe} read {folder}"
    )
    result = subprocess.run(["dbus-run-session", "--", "sh", "-c", script], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    written, read = (json.loads(line) for line in result.stdout.strip().splitlines())
    assert written["backend"] == read["backend"] == "keyring.backends.SecretService.Keyring"
    assert read["login"] == ["http://relay.test", "acme", "ann", "api_token", "tc_real_secret"]
    assert read["notes"] == ["kept in the real keyring's key"]
    assert read["forgotten"] == "NotLoggedIn"
    keyring_files = b"".join(p.read_bytes() for p in (home / ".local/share/keyrings").iterdir())
    assert b"tc_real_secret" not in keyring_files  # gnome-keyring encrypts at rest
    assert b"kept in the real" not in (tmp_path / "outbox.db").read_bytes()
