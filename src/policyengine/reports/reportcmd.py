"""``policyengine report FACTS --pack ID [--kind self-check|summary] --format docx|html|md``.

``--kind self-check`` drafts Fengxiang's yearly 自查报告 for each affordable-housing estate
(addressed to 市住建局, for the year of ``--as-of``; for a town or district, one report for
each of its estates, one per page); ``--kind summary`` (the default) gives
a summary report for any pack and any subject, jurisdictions included. ``docx`` needs
``--output``. Needs the ``[reports]`` extra.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

from policyengine import api
from policyengine.builtins.io import (
    add_view_options,
    format_for_output,
    parse_date,
    read_subjects_for,
    view_options,
    write_output,
)
from policyengine.contracts import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, Command, Streams
from policyengine.exceptions import InputError
from policyengine.facts import Community, Jurisdiction
from policyengine.results import Result

__all__ = ["command"]

NEEDS_EXTRA = (
    "policyengine report needs the reports extra: pip install 'community-policyengine[reports]'"
)


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("facts", nargs="+", metavar="FACTS")
    p.add_argument("--pack", required=True, action="append", help="a pack id, 'all' or a folder")
    p.add_argument("--as-of", type=parse_date, default=None, help="the date (and year) reported")
    p.add_argument("--kind", choices=["summary", "self-check"], default="summary")
    p.add_argument(
        "--format",
        choices=["docx", "html", "md"],
        default=None,
        help="default: from the --output file's extension (.docx, .html, .md), else md",
    )
    p.add_argument("--output", type=Path, help="the file to write (required for docx)")
    add_view_options(p)


def _run(args: argparse.Namespace, streams: Streams) -> int:
    word_or_page = {".docx": "docx", ".html": "html", ".htm": "html"}  # else Markdown
    args.format = format_for_output(args.format, args.output, word_or_page, "md")
    try:
        from policyengine.reports import documents, writers
    except ImportError:  # pragma: no cover - documents import only the core
        raise InputError(NEEDS_EXTRA) from None
    try:
        import jinja2  # noqa: F401

        if args.format == "docx":
            import docx  # noqa: F401
    except ImportError:
        raise InputError(NEEDS_EXTRA) from None
    if args.format == "docx" and args.output is None:
        raise InputError("--format docx writes a Word file: give --output FILE.docx")
    packs = [p for name in args.pack for p in api.default_registry().resolve(name)]
    dest, subjects, bad = read_subjects_for(args, streams)  # --output checked first
    options = view_options(args, packs)
    docs = []
    results = []
    for subject in subjects:
        for pack in packs:
            r = api.evaluate(subject, pack, as_of=args.as_of, lang=options.lang)
            results.append(r)
            try:
                if args.kind == "self-check" and isinstance(subject, Jurisdiction):
                    # one report for each estate of the jurisdiction the plan applies to
                    for c, cr in _estates(subject, r):
                        docs.append(documents.self_check(cr, pack, c, options.lang))
                elif args.kind == "self-check":
                    community = subject if isinstance(subject, Community) else None
                    docs.append(documents.self_check(r, pack, community, options.lang))
                else:
                    docs.append(documents.summary(r, pack, options.lang))
            except documents.SelfCheckError as exc:
                raise InputError(f"{r.subject_id}: {exc}") from None
    if bad and not docs:
        return EXIT_INPUT
    out: str | bytes
    if args.format == "docx":
        out = writers.to_docx(docs)
    elif args.format == "html":
        out = writers.to_html(docs)
    else:
        out = writers.to_markdown(docs)
    write_output(out, dest, streams.stdout)
    if bad:
        return EXIT_INPUT
    failing = any(r.verdict in ("fail", "incomplete") for r in results)
    return EXIT_FINDINGS if failing else EXIT_OK


def _estates(j: Jurisdiction, r: Result) -> Iterator[tuple[Community, Result]]:
    """Each community of a jurisdiction (its whole subtree) with its result, where the plan
    applies to it."""
    for c, cr in zip(j.communities, r.communities, strict=True):
        if cr.verdict != "not_applicable":
            yield c, cr
    for child, child_result in zip(j.jurisdictions, r.jurisdictions, strict=True):
        yield from _estates(child, child_result)


def command() -> Command:
    """The ``report`` command."""
    return Command(
        "report",
        "draft a report: Fengxiang's 自查报告 (--kind self-check) or a summary, as docx/html/md",
        _configure,
        _run,
    )
