"""The ``taskclock agent`` command group.

Call ``register(subparsers)`` once from ``bridge.cli.build_parser``. Every handler
imports what it drives lazily, so ``taskclock --help`` and the relay commands never pay
for (or break on) the agent's libraries. Handlers read the environment once, build an
``AgentConfig`` and pass it down; usage mistakes raise ``InvalidInput`` (exit 2), other
failures a ``TaskclockError`` (exit 1).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from bridge.core.errors import InvalidInput

if TYPE_CHECKING:
    from agent.config import AgentConfig

BROWSERS = ("chrome", "chromium", "firefox", "opera")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``agent`` group and its commands to the ``taskclock`` parser."""
    group = subparsers.add_parser("agent", help="the local agent: login, daemon, native-messaging host")
    commands = group.add_subparsers(dest="agent_command", metavar="{login,run,native-host,install,status}")
    commands.required = True

    login = commands.add_parser("login", help="store the credential in the OS keyring and check it")
    login.add_argument("--relay", required=True, help="relay base URL, e.g. http://127.0.0.1:8765")
    login.add_argument("--tenant", required=True, help="company slug")
    login.add_argument("--username", required=True)
    secret = login.add_mutually_exclusive_group(required=True)
    secret.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    secret.add_argument("--api-token-stdin", action="store_true", help="read an API token from stdin")
    login.set_defaults(handler=_login)

    run = commands.add_parser("run", help="run the agent daemon in the foreground")
    run.set_defaults(handler=_run)

    host = commands.add_parser("native-host", help="the native-messaging host browsers start")
    host.add_argument("caller", nargs="*", help="what the browser passes (origin, or manifest path and add-on id)")
    # Chrome on Windows adds the calling window's handle; accepted and ignored.
    host.add_argument("--parent-window", default=None, help=argparse.SUPPRESS)
    host.set_defaults(handler=_native_host)

    install = commands.add_parser("install", help="write the native-messaging host manifest for a browser")
    install.add_argument("--browser", required=True, choices=BROWSERS)
    install.add_argument("--manifest-dir", default=None, help="write the manifest into DIR instead")
    install.add_argument("--uninstall", action="store_true", help="remove the manifest and launcher")
    install.set_defaults(handler=_install)

    status = commands.add_parser("status", help="print relay, login, connection and outbox state")
    status.set_defaults(handler=_status)


def _config() -> AgentConfig:
    from agent.config import AgentConfig

    return AgentConfig.from_environ(os.environ)


def _read_secret() -> tuple[str, str | None]:
    """The secret (first line of stdin) and an optional 2FA code (second line)."""
    secret = sys.stdin.readline().strip()
    if not secret:
        raise InvalidInput("nothing was given on standard input")
    otp = sys.stdin.readline().strip() or None
    return secret, otp


def _login(args: argparse.Namespace) -> int:
    from agent.login import login

    secret, otp = _read_secret()
    kind = "password" if args.password_stdin else "api_token"
    user = login(_config(), relay=args.relay, tenant=args.tenant, username=args.username, kind=kind,
                 secret=secret, otp=otp)
    print(f"signed in to {args.relay} as {user.get('username', args.username)} ({args.tenant})")
    return 0


def _run(args: argparse.Namespace) -> int:
    from agent.run import run_forever

    return run_forever(_config())


def _native_host(args: argparse.Namespace) -> int:
    from agent.native_host import main as host_main

    return host_main(_config(), list(args.caller))


def _install(args: argparse.Namespace) -> int:
    from agent.installer import install, uninstall

    if args.uninstall:
        for path in uninstall(args.browser, manifest_dir=args.manifest_dir, config=_config()):
            print(f"removed {path}")
        return 0
    for path in install(args.browser, manifest_dir=args.manifest_dir, config=_config()):
        print(f"wrote {path}")
    return 0


def _status(args: argparse.Namespace) -> int:
    from agent.status import print_status

    return print_status(_config())
