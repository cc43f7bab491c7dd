"""The core commands ``packs`` and ``validate`` (``evaluate`` is in :mod:`.evaluate`)."""

from __future__ import annotations

import argparse
import json

from policyengine import api
from policyengine.builtins.io import read_subjects
from policyengine.contracts import EXIT_INPUT, EXIT_OK, Command, Reporter, Streams
from policyengine.facts import Jurisdiction
from policyengine.hookspecs import hookimpl
from policyengine.plugins import by_name

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


def _configure_validate(va: argparse.ArgumentParser) -> None:
    va.add_argument("facts", nargs="+", metavar="FACTS")
    va.add_argument(
        "--lang",
        choices=["zh", "en"],
        default=None,
        help="language of the problems found (default: zh)",
    )


def _run_validate(args: argparse.Namespace, streams: Streams) -> int:
    api.installed_packs()  # the facts installed packs declare for themselves are known too
    subjects, bad = read_subjects(args.facts, streams.stdin, streams.stderr, args.lang)
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
            "validate",
            "check facts documents and report every problem",
            _configure_validate,
            _run_validate,
        ),
    ]
