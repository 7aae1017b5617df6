"""``make run``: relay + demo tenant + agent on this computer, until Ctrl-C.

Runs everything as child processes of one foreground process so that Ctrl-C (or
SIGTERM) stops all of them cleanly. Data lives in ``.taskclock-home/`` of the checkout
unless ``TASKCLOCK_HOME`` says otherwise, so a demo never touches real data.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

DEMO_TENANT = "demo"
DEMO_USERS = (("olivia", "owner"), ("sam", "staff"), ("tom", "team_leader"))
DEMO_PASSWORD = "demo-password"
PORT = int(os.environ.get("TASKCLOCK_PORT", "8765"))


def _taskclock(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    exe = str(Path(sys.executable).with_name("taskclock"))
    return subprocess.run([exe, *args], input=stdin, capture_output=True, text=True, env=env)


def _seed(env: dict[str, str]) -> None:
    """Create the demo company and users; harmless when they exist already."""
    owner, _ = DEMO_USERS[0]
    _taskclock("relay", "tenant", "create", DEMO_TENANT, "--owner", owner, "--password-stdin", env=env, stdin=DEMO_PASSWORD + "\n")
    for username, role in DEMO_USERS[1:]:
        _taskclock("relay", "user", "add", "--tenant", DEMO_TENANT, username, "--role", role, "--password-stdin", env=env, stdin=DEMO_PASSWORD + "\n")


def _start_agent(env: dict[str, str], relay_url: str) -> subprocess.Popen[bytes] | None:
    """Log the agent in as the demo staff member and run it, if a keyring is there."""
    login = _taskclock(
        "agent", "login", "--relay", relay_url, "--tenant", DEMO_TENANT, "--username", "sam", "--password-stdin",
        env=env, stdin=DEMO_PASSWORD + "\n",
    )
    if login.returncode != 0:
        print(f"  agent: not started ({login.stderr.strip() or 'login failed'}); the extension works without it (direct mode)")
        return None
    exe = str(Path(sys.executable).with_name("taskclock"))
    return subprocess.Popen([exe, "agent", "run"], env=env)


def main() -> int:
    root = Path.cwd()
    home = Path(os.environ.get("TASKCLOCK_HOME") or root / ".taskclock-home")
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TASKCLOCK_HOME": str(home)}
    _seed(env)
    exe = str(Path(sys.executable).with_name("taskclock"))
    relay = subprocess.Popen([exe, "relay", "serve", "--port", str(PORT)], env=env)
    relay_url = f"http://127.0.0.1:{PORT}"
    time.sleep(1.5)
    if relay.poll() is not None:
        print(f"the relay did not start (is port {PORT} taken? set TASKCLOCK_PORT)", file=sys.stderr)
        return 1
    agent = _start_agent(env, relay_url)
    dist = root / "dist"
    print(
        f"""
taskclock is running.
  relay:      {relay_url}  (data in {home})
  extensions: {dist / 'chrome'}  (chrome://extensions → Developer mode → Load unpacked)
              {dist / 'opera'}   (opera://extensions, likewise)
              {dist / 'firefox'} (about:debugging → This Firefox → Load Temporary Add-on → manifest.json)
  sign in on the extension's options page with relay {relay_url}, company '{DEMO_TENANT}',
  and one of: {', '.join(f"{u} ({r})" for u, r in DEMO_USERS)}; password '{DEMO_PASSWORD}'.
Ctrl-C stops everything.""",
        flush=True,
    )
    children = [p for p in (relay, agent) if p is not None]
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
    print("stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
