"""The ``evaluate`` command: facts documents (or tables) against packs."""

from __future__ import annotations

import argparse
from pathlib import Path

from policyengine import api
from policyengine.builtins.commands import reporters
from policyengine.builtins.io import parse_date, read_subjects, write_output
from policyengine.contracts import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, Command, Streams
from policyengine.hookspecs import hookimpl
from policyengine.results import Result

__all__ = ["register_commands"]


def _configure_evaluate(ev: argparse.ArgumentParser) -> None:
    ev.add_argument(
        "facts",
        nargs="+",
        metavar="FACTS",
        help="TOML or JSON community/jurisdiction documents; - reads JSON from stdin; "
        "a JSON list is a batch of documents",
    )
    ev.add_argument(
        "--pack",
        required=True,
        action="append",
        help="a pack id, 'all' for every installed pack, or a pack folder (repeatable)",
    )
    ev.add_argument(
        "--as-of", type=parse_date, default=None, help="evaluation date (default: today)"
    )
    ev.add_argument("--format", default="table", help="table, json, markdown, html, or a plugin's")
    ev.add_argument("--output", type=Path, help="write here instead of standard output")


def _run_evaluate(args: argparse.Namespace, streams: Streams) -> int:
    formats = reporters()
    if args.format not in formats:
        print(
            f"unknown format {args.format!r}; available: {', '.join(sorted(formats))}",
            file=streams.stderr,
        )
        return EXIT_INPUT
    packs = [p for name in args.pack for p in api.default_registry().resolve(name)]
    subjects, bad = read_subjects(args.facts, streams.stdin, streams.stderr)
    results: list[Result] = [
        api.evaluate(subject, pack, as_of=args.as_of) for subject in subjects for pack in packs
    ]
    if bad and not results:
        return EXIT_INPUT
    write_output(
        formats[args.format].render(results) if results else "", args.output, streams.stdout
    )
    if bad:
        return EXIT_INPUT
    failing = any(r.verdict in ("fail", "incomplete") for r in results)
    return EXIT_FINDINGS if failing else EXIT_OK


@hookimpl
def register_commands() -> list[Command]:
    """The ``evaluate`` command."""
    return [
        Command(
            "evaluate",
            "evaluate facts documents against packs",
            _configure_evaluate,
            _run_evaluate,
        )
    ]
