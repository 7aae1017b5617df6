"""``taskclock relay …``: serve, and the administrative commands.

Each command reads its configuration once (``Settings.from_environ`` with the command
line's values) and opens the same database ``serve`` would, so ``TASKCLOCK_DATABASE``
makes ``tenant create`` reach the PostgreSQL that ``serve`` uses.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

from bridge.core.errors import InvalidInput
from bridge.core.roles import Role, parse_role
from bridge.settings import DEFAULT_HOST, DEFAULT_PORT, Settings


def register(groups: Any) -> None:
    """Add the ``relay`` group to the top-level parser."""
    relay = groups.add_parser("relay", help="the relay server and its administration")
    commands = relay.add_subparsers(dest="command", metavar="{serve,tenant,user,token}", required=True)

    serve = commands.add_parser("serve", help="run the relay")
    serve.add_argument("--host", default=None, help=f"address to listen on (default {DEFAULT_HOST})")
    serve.add_argument("--port", type=int, default=None, help=f"port (default {DEFAULT_PORT})")
    _store_options(serve)
    serve.set_defaults(handler=_serve)

    tenant = commands.add_parser("tenant", help="companies").add_subparsers(dest="action", metavar="{create}", required=True)
    create = tenant.add_parser("create", help="create a company and its owner")
    create.add_argument("slug")
    create.add_argument("--owner", required=True, metavar="USERNAME")
    create.add_argument("--name", help="display name (default: the slug)")
    create.add_argument("--time-zone", default="UTC", help="the owner's IANA time zone")
    create.add_argument("--password-stdin", action="store_true", required=True, help="read the owner's password from stdin")
    _store_options(create)
    create.set_defaults(handler=_tenant_create)

    user = commands.add_parser("user", help="users").add_subparsers(dest="action", metavar="{add}", required=True)
    add = user.add_parser("add", help="add a user to a company")
    add.add_argument("--tenant", required=True, metavar="SLUG")
    add.add_argument("username")
    add.add_argument("--role", required=True, help="owner, admin, team_leader or staff")
    add.add_argument("--time-zone", default="UTC", help="IANA time zone, e.g. Europe/Berlin")
    add.add_argument("--password-stdin", action="store_true", required=True, help="read the password from stdin")
    _store_options(add)
    add.set_defaults(handler=_user_add)

    token = commands.add_parser("token", help="API tokens").add_subparsers(dest="action", metavar="{issue}", required=True)
    issue = token.add_parser("issue", help="print a new API token for a user (revokes the previous one)")
    issue.add_argument("--tenant", required=True, metavar="SLUG")
    issue.add_argument("username")
    _store_options(issue)
    issue.set_defaults(handler=_token_issue)


def _store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database", default=None, help="sqlite:///PATH or postgresql://… (env TASKCLOCK_DATABASE)")
    parser.add_argument("--redis", default=None, help="redis://… to share live events between relays (env TASKCLOCK_REDIS)")


def settings_from(args: argparse.Namespace, **extra: Any) -> Settings:
    return Settings.from_environ(os.environ, database_url=args.database, redis_url=args.redis, **extra)


def read_secret_stdin(what: str) -> str:
    """One secret from standard input (a trailing newline is not part of it)."""
    if sys.stdin is None or sys.stdin.closed:
        raise InvalidInput(f"pipe the {what} to standard input")
    value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        raise InvalidInput(f"no {what} on standard input")
    return value


def _serve(args: argparse.Namespace) -> int:
    from bridge.server import serve

    settings = settings_from(args, host=args.host, port=args.port)
    serve(settings)
    return 0


def _tenant_create(args: argparse.Namespace) -> int:
    from bridge import admin

    password = read_secret_stdin("owner's password")
    settings = settings_from(args)
    asyncio.run(admin.create_tenant(settings, args.slug, args.name or args.slug, args.owner, password, args.time_zone))
    print(f"created company {args.slug!r} with owner {args.owner!r}")
    return 0


def _user_add(args: argparse.Namespace) -> int:
    from bridge import admin

    role = parse_role(args.role)
    password = read_secret_stdin("password")
    settings = settings_from(args)
    asyncio.run(admin.add_user(settings, args.tenant, args.username, role, password, args.time_zone))
    print(f"added {role.value} {args.username!r} to {args.tenant!r}")
    return 0


def _token_issue(args: argparse.Namespace) -> int:
    from bridge import admin

    settings = settings_from(args)
    print(asyncio.run(admin.issue_api_token(settings, args.tenant, args.username)))
    return 0


__all__ = ["Role", "register"]
