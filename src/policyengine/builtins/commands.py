"""The core commands: ``packs``, ``evaluate`` and ``validate``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from policyengine import api
from policyengine.builtins.io import parse_date, read_subjects, write_output
from policyengine.contracts import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, Command, Reporter, Streams
from policyengine.facts import Jurisdiction
from policyengine.hookspecs import hookimpl
from policyengine.plugins import by_name
from policyengine.results import Result

__all__ = ["register_commands", "reporters"]


def reporters() -> dict[str, Reporter]:
    """Every output format, by name (a plugin's overrides a built-in of the same name)."""
    return by_name(api.default_registry().plugin_manager.hook.register_reporters())


def _configure_packs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=["table", "json"], default="table")


def _run_packs(args: argparse.Namespace, streams: Streams) -> int:
    out = streams.stdout
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
                    "date": p.info.source.date_text(),
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
            f"    《{src.title}》{number}（{'、'.join(src.issuer)}，{src.date_text()}）\n"
        )
    if not packs:
        out.write("no packs installed\n")
    return EXIT_OK


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


def _configure_validate(va: argparse.ArgumentParser) -> None:
    va.add_argument("facts", nargs="+", metavar="FACTS")


def _run_validate(args: argparse.Namespace, streams: Streams) -> int:
    api.installed_packs()  # the facts installed packs declare for themselves are known too
    subjects, bad = read_subjects(args.facts, streams.stdin, streams.stderr)
    for subject in subjects:
        level = "jurisdiction" if isinstance(subject, Jurisdiction) else "community"
        streams.stdout.write(f"ok: {level} {subject.id}\n")
    return EXIT_INPUT if bad else EXIT_OK


@hookimpl
def register_commands() -> list[Command]:
    """The core commands."""
    return [
        Command("packs", "list the installed packs", _configure_packs, _run_packs),
        Command(
            "evaluate",
            "evaluate facts documents against packs",
            _configure_evaluate,
            _run_evaluate,
        ),
        Command(
            "validate",
            "check facts documents and report every problem",
            _configure_validate,
            _run_validate,
        ),
    ]
