"""The ``taskclock`` console script: one parser, three command groups.

Each group lives beside what it drives and registers itself here:
``relay`` (bridge.relay_cli), ``agent`` (agent.cli), ``extension``
(bridge.extension_build). A handler takes the parsed arguments and returns the exit
status. Exit codes follow CONTRACT.md: 0 success, 2 bad usage (argparse errors and
``InvalidInput``), 1 any other failure, always with one line on stderr and never a
traceback for a user's mistake.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bridge.core.errors import InvalidInput, TaskclockError


def build_parser() -> argparse.ArgumentParser:
    """Build the whole command tree; imported lazily so ``--help`` stays fast."""
    from agent import cli as agent_cli
    from bridge import extension_build, relay_cli

    parser = argparse.ArgumentParser(prog="taskclock", description="Time tracking inside Asana, Jira and Trello.")
    groups = parser.add_subparsers(dest="group", metavar="{relay,agent,extension}", required=True)
    relay_cli.register(groups)
    agent_cli.register(groups)
    extension_build.register(groups)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns (and exits with) the status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.parse_args([*(argv or sys.argv[1:]), "--help"])
        return 2
    try:
        status = handler(args)
    except InvalidInput as exc:
        print(f"taskclock: {exc.message}", file=sys.stderr)
        status = 2
    except TaskclockError as exc:
        print(f"taskclock: {exc.message}", file=sys.stderr)
        status = 1
    except KeyboardInterrupt:
        status = 130
    except OSError as exc:
        print(f"taskclock: {exc.strerror or exc}", file=sys.stderr)
        status = 1
    sys.exit(status)


if __name__ == "__main__":  # pragma: no cover
    main()
