"""``policyengine replay LOG [--facts DIR]``: would today's packs decide the same?

Exit codes: 0 every decision replayed the same; 1 some differ (each is listed with what
differs and why: pack digest, engine version, facts); 2 the log cannot be read or a
decision cannot be replayed (no facts, pack not installed).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from policyengine.contracts import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, Command, Streams
from policyengine.hookspecs import hookimpl

__all__ = ["register_commands"]


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("log", type=Path, metavar="LOG", help="a decision log (JSON Lines)")
    p.add_argument(
        "--facts",
        type=Path,
        metavar="DIR",
        help="a folder of facts documents, or a table (csv, parquet, xlsx, jsonl), to use by "
        "subject id instead of the logged facts",
    )
    p.add_argument("--format", choices=["text", "json"], default="text")


def _run(args: argparse.Namespace, streams: Streams) -> int:
    from policyengine.replay import replay  # imported when the command runs

    replayed = replay(args.log, args.facts)
    differ = [r for r in replayed if r.differs]
    failed = [r for r in replayed if r.error]
    out = streams.stdout
    if args.format == "json":
        out.write(json.dumps([r.to_dict() for r in replayed], ensure_ascii=False, indent=2))
        out.write("\n")
    else:
        for r in replayed:
            where = f"{args.log}:{r.line} decision {r.decision_id} ({r.pack_id}, {r.subject_id})"
            if r.error:
                out.write(f"{where}: not replayed: {r.error}\n")
            elif r.differs:
                out.write(f"{where}: differs\n")
                out.writelines(f"    {change}\n" for change in r.changes)
                out.writelines(f"    because {reason}\n" for reason in r.reasons)
        out.write(
            f"{len(replayed)} decisions: {len(replayed) - len(differ) - len(failed)} the same, "
            f"{len(differ)} differ, {len(failed)} not replayed\n"
        )
    if failed:
        return EXIT_INPUT
    return EXIT_FINDINGS if differ else EXIT_OK


@hookimpl
def register_commands() -> list[Command]:
    """The ``replay`` command."""
    return [
        Command(
            "replay",
            "re-evaluate the decisions of a decision log and report any that differ",
            _configure,
            _run,
        )
    ]
