"""The command line: a thin layer over :mod:`policyengine.api`.

::

    policyengine packs
    policyengine evaluate FACTS... --pack ID|all|FOLDER [--as-of DATE] [--format F] [--output FILE]
    policyengine validate FACTS...

Exit codes: 0 every verdict pass or not_applicable; 1 a verdict fail or incomplete;
2 bad input (the message names the file, the field path and the value; nothing is written
to ``--output``); 3 unknown pack.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO, TypeVar

import attrs

from policyengine import api
from policyengine.documents import parse_document, structure_subject
from policyengine.exceptions import (
    FactsError,
    InputError,
    PackError,
    PolicyEngineError,
    UnknownPackError,
)
from policyengine.facts import Community, Jurisdiction
from policyengine.reporters import Reporter
from policyengine.results import Result

__all__ = ["Command", "Streams", "main", "parser"]

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_UNKNOWN_PACK = 0, 1, 2, 3


@attrs.frozen
class Streams:
    """Where a command reads and writes."""

    stdin: TextIO
    stdout: TextIO
    stderr: TextIO


@attrs.frozen
class Command:
    """A subcommand contributed through :func:`policyengine.hookspecs.register_commands`."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    """Adds the command's arguments to its parser."""
    run: Callable[[argparse.Namespace, Streams], int]
    """Runs the command; returns the exit code (policyengine errors are reported by main)."""


T = TypeVar("T", Command, Reporter)


def _by_name(groups: list[list[T]]) -> dict[str, T]:
    """Hook results by name; a plugin registered later overrides a built-in of that name."""
    found: dict[str, T] = {}
    for group in reversed(groups):
        for item in group:
            found[item.name] = item
    return found


def _commands() -> dict[str, Command]:
    return _by_name(api.default_registry().plugin_manager.hook.register_commands())


def _reporters() -> dict[str, Reporter]:
    return _by_name(api.default_registry().plugin_manager.hook.register_reporters())


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def parser(commands: dict[str, Command] | None = None) -> argparse.ArgumentParser:
    """The argument parser (separate so the docs can show it)."""
    p = argparse.ArgumentParser(
        prog="policyengine",
        description="Evaluate facts about communities (社区) against policy packs.",
    )
    sub = p.add_subparsers(dest="command", required=True)

    packs = sub.add_parser("packs", help="list the installed packs")
    packs.add_argument("--format", choices=["table", "json"], default="table")

    ev = sub.add_parser("evaluate", help="evaluate facts documents against packs")
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
    ev.add_argument("--as-of", type=_date, default=None, help="evaluation date (default: today)")
    ev.add_argument("--format", default="table", help="table, json, markdown, html, or a plugin's")
    ev.add_argument("--output", type=Path, help="write here instead of standard output")

    va = sub.add_parser("validate", help="check facts documents and report every problem")
    va.add_argument("facts", nargs="+", metavar="FACTS")
    for command in (commands or {}).values():
        command.configure(sub.add_parser(command.name, help=command.help))
    return p


def _records(name: str, stdin: TextIO) -> list[tuple[str, Any, Path | None]]:
    """``(position, data, base folder)`` for each document in FACTS (several for a batch)."""
    if name == "-":
        path, text = Path("<stdin>.json"), stdin.read()
    else:
        path, text = Path(name), None
    data = parse_document(path, text)
    label = "<stdin>" if name == "-" else name
    base = None if name == "-" else path.parent
    if isinstance(data, list):
        return [(f"{label}[{i}]", item, base) for i, item in enumerate(data)]
    return [(label, data, base)]


def _subjects(
    names: Sequence[str], stdin: TextIO, err: TextIO
) -> tuple[list[Community | Jurisdiction], bool]:
    subjects: list[Community | Jurisdiction] = []
    bad = False
    for name in names:
        for position, data, base in _records(name, stdin):
            try:
                subjects.append(structure_subject(data, base))
            except FactsError as exc:
                bad = True
                for problem in exc.problems:
                    print(f"{position}: {problem}", file=err)
    return subjects, bad


def _write(text: str, output: Path | None, out: TextIO) -> None:
    if output is None:
        out.write(text)
        return
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"--output {output}: the folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{output.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _cmd_packs(args: argparse.Namespace, out: TextIO) -> int:
    packs = api.installed_packs()
    if args.format == "json":
        rows = [
            {
                "id": p.id,
                "version": p.version,
                "title": p.info.title,
                "title_en": p.info.title_en,
                "region": p.info.region,
                "digest": p.digest,
                "source": {
                    "title": p.info.source.title,
                    "number": p.info.source.number,
                    "issuer": list(p.info.source.issuer),
                    "date": p.info.source.date.isoformat(),
                },
            }
            for p in packs.values()
        ]
        out.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    for p in packs.values():
        src = p.info.source
        number = f" {src.number}" if src.number else ""
        out.write(
            f"{p.id}  {p.version}  {p.info.region}\n"
            f"    {p.info.title} / {p.info.title_en}\n"
            f"    《{src.title}》{number}（{'、'.join(src.issuer)}，{src.date.isoformat()}）\n"
        )
    if not packs:
        out.write("no packs installed\n")
    return EXIT_OK


def _cmd_evaluate(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    reporters = _reporters()
    if args.format not in reporters:
        print(
            f"unknown format {args.format!r}; available: {', '.join(sorted(reporters))}", file=err
        )
        return EXIT_INPUT
    packs = [p for name in args.pack for p in api.default_registry().resolve(name)]
    subjects, bad = _subjects(args.facts, stdin, err)
    results: list[Result] = [
        api.evaluate(subject, pack, as_of=args.as_of) for subject in subjects for pack in packs
    ]
    if bad and not results:
        return EXIT_INPUT
    _write(reporters[args.format].render(results) if results else "", args.output, out)
    if bad:
        return EXIT_INPUT
    failing = any(r.verdict in ("fail", "incomplete") for r in results)
    return EXIT_FINDINGS if failing else EXIT_OK


def _cmd_validate(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    subjects, bad = _subjects(args.facts, stdin, err)
    for subject in subjects:
        level = "jurisdiction" if isinstance(subject, Jurisdiction) else "community"
        out.write(f"ok: {level} {subject.id}\n")
    return EXIT_INPUT if bad else EXIT_OK


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
        if args.command == "packs":
            return _cmd_packs(args, out)
        if args.command == "evaluate":
            return _cmd_evaluate(args, stdin, out, err)
        if args.command == "validate":
            return _cmd_validate(args, stdin, out, err)
        return commands[args.command].run(args, Streams(stdin, out, err))
    except UnknownPackError as exc:
        print(f"policyengine: {exc}", file=err)
        return EXIT_UNKNOWN_PACK
    except (InputError, PackError) as exc:
        print(f"policyengine: {exc}", file=err)
        return EXIT_INPUT
    except PolicyEngineError as exc:
        print(f"policyengine: {exc}", file=err)
        return EXIT_INPUT
