"""The command line: a thin layer that finds the commands and reports errors.

Every command, the core ``packs``, ``evaluate`` and ``validate`` included, is a plugin
registered through :func:`policyengine.hookspecs.register_commands`::

    policyengine packs
    policyengine evaluate FACTS... --pack ID|all|FOLDER [--as-of DATE] [--format F] [--output FILE]
    policyengine validate FACTS...

Exit codes: 0 every verdict pass or not_applicable; 1 a verdict fail or incomplete;
2 bad input (the message names the file, the field path and the value; nothing is written
to ``--output``); 3 unknown pack.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from policyengine import api
from policyengine.contracts import EXIT_INPUT, EXIT_OK, EXIT_UNKNOWN_PACK, Command, Streams
from policyengine.exceptions import PolicyEngineError, UnknownPackError
from policyengine.plugins import by_name

__all__ = ["main", "parser"]


def _commands() -> dict[str, Command]:
    return by_name(api.default_registry().plugin_manager.hook.register_commands())


def parser(commands: dict[str, Command] | None = None) -> argparse.ArgumentParser:
    """The argument parser (separate so the docs can show it)."""
    p = argparse.ArgumentParser(
        prog="policyengine",
        description="Evaluate facts about communities (社区) against policy packs.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    for command in (_commands() if commands is None else commands).values():
        command.configure(sub.add_parser(command.name, help=command.help))
    return p


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the command line; returns the exit code."""
    stdin, out, err = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    try:
        commands = _commands()
        args = parser(commands).parse_args(argv)
    except SystemExit as exc:
        return EXIT_INPUT if exc.code else EXIT_OK
    try:
        return commands[args.command].run(args, Streams(stdin, out, err))
    except UnknownPackError as exc:
        print(f"policyengine: {exc}", file=err)
        return EXIT_UNKNOWN_PACK
    except PolicyEngineError as exc:
        print(f"policyengine: {exc}", file=err)
        return EXIT_INPUT
