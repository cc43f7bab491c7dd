"""``policyengine replay LOG [--facts DIR] [--lang zh|en]``: would today's packs decide the same?

Exit codes: 0 every decision replayed the same; 1 some differ (each is listed with what
differs and why: pack digest, engine version, facts); 2 the log cannot be read, a line of
it is not a decision (each such line is named on standard error, and the other lines are
replayed all the same), or a decision cannot be replayed (no facts, pack not installed).

Every sentence is said in the language of ``--lang`` (Chinese by default); ids, digests,
versions, output names and values are codes, kept as written. ``--format json`` keeps its
fields (``changes``, ``reasons`` and ``error`` in English, for machines) and adds
``message``: what the text output says of the line, in the language asked.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyengine.contracts import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, Command, Streams
from policyengine.exceptions import FactProblem, FactsError, InputError
from policyengine.hookspecs import hookimpl
from policyengine.i18n import LANGUAGES, error_text, text

if TYPE_CHECKING:
    from policyengine.replay import Replayed

__all__ = ["message", "register_commands"]


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
    p.add_argument(
        "--lang",
        choices=list(LANGUAGES),
        default=None,
        help="language of the sentences said of each decision and line (default: zh)",
    )


def _say(value: Any, lang: str) -> str:
    """Words for people (:class:`~policyengine.replay.Said` and its values) in ``lang``."""
    from policyengine.i18n import problem_text
    from policyengine.replay import Said, Written

    if isinstance(value, Said):
        return text(value.key, lang, **{k: _say(v, lang) for k, v in value.values.items()})
    if isinstance(value, Written):
        return error_text(value.message, lang)
    if isinstance(value, FactProblem):
        said = problem_text(value.message, lang)
        return f"{value.path}{text('sep.colon', lang)}{said}" if value.path else said
    if isinstance(value, tuple):
        problems = all(isinstance(v, FactProblem) for v in value)
        sep = text("sep.clause" if problems else "sep.list", lang)
        return sep.join(_say(v, lang) for v in value)
    return str(value)


def message(r: Replayed, log: Path, lang: str) -> str:
    """What is said of a replayed line for people, in ``lang``: the text output's lines for
    it (a line that is not a decision: as standard error names it, without the program)."""
    if not r.read:
        return f"{log}:{r.line}: {_say(r.said_error, lang)}"
    where = text(
        "replay.where",
        lang,
        log=str(log),
        line=r.line,
        id=r.decision_id,
        pack=r.pack_id,
        subject=r.subject_id,
    )
    if r.error:
        return text("replay.not_replayed", lang, where=where, error=_say(r.said_error, lang))
    if not r.differs:
        return text("replay.same", lang, where=where)
    lines = [text("replay.differs", lang, where=where)]
    lines += [f"    {_say(change, lang)}" for change in r.said_changes]
    lines += [
        "    " + text("replay.because", lang, reason=_say(reason, lang))
        for reason in r.said_reasons
    ]
    return "\n".join(lines)


def _summary(replayed: Sequence[Replayed], lang: str) -> str:
    unread = sum(not r.read for r in replayed)
    differ = sum(r.differs for r in replayed)
    failed = sum(bool(r.error) for r in replayed) - unread
    decisions = len(replayed) - unread
    counts = {
        "decisions": text(
            "replay.decision" if decisions == 1 else "replay.decisions", lang, n=decisions
        ),
        "same": decisions - differ - failed,
        "differ": differ,
        "failed": failed,
    }
    if not unread:
        return text("replay.summary", lang, **counts)
    lines = text("replay.line" if unread == 1 else "replay.lines", lang, n=unread)
    return text("replay.summary_unread", lang, **counts, lines=lines)


def _run(args: argparse.Namespace, streams: Streams) -> int:
    from policyengine.replay import SaidError, replay  # imported when the command runs

    lang = args.lang or "zh"
    try:
        replayed = replay(args.log, args.facts)
    except SaidError as exc:
        raise InputError(_say(exc.said, lang)) from None
    except FactsError as exc:  # a document or row of --facts: each problem said in lang
        where = f"{exc.source}: " if exc.source else ""
        raise InputError("\n".join(f"{where}{_say(p, lang)}" for p in exc.problems)) from None
    differ = [r for r in replayed if r.differs]
    failed = [r for r in replayed if r.error]
    out = streams.stdout
    if args.format == "json":
        said = [r.to_dict() | {"message": message(r, args.log, lang)} for r in replayed]
        out.write(json.dumps(said, ensure_ascii=False, indent=2))
        out.write("\n")
    else:
        for r in replayed:
            if not r.read:  # a line that is not a decision: as any bad input is said
                streams.stderr.write(f"policyengine: {message(r, args.log, lang)}\n")
            elif r.error or r.differs:
                out.write(f"{message(r, args.log, lang)}\n")
        out.write(f"{_summary(replayed, lang)}\n")
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
