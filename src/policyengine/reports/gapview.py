"""``policyengine gap FACTS --pack ID``: what it takes to pass, grouped by who must act.

Every gap of every result (a jurisdiction's and each of its communities') is listed under
each unit responsible for it, lead unit first as the document names them. Within a unit,
gaps measured in points (a scale's next band) come first, fewest points short first; the
others follow in the pack's order.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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
from policyengine.i18n import text, unit_of
from policyengine.reports.view import walk
from policyengine.results import BandGap, Result, RuleGap

__all__ = ["by_unit", "command", "render_gaps"]


def _cost(gap: RuleGap | BandGap) -> tuple[int, float]:
    """Points short where the document gives points; others after, in pack order."""
    if isinstance(gap, BandGap):
        path = next(iter(gap.needs), "")
        if unit_of(path) == "points" and isinstance(gap.short_by, int | float):
            return 0, float(gap.short_by)
    return 1, 0.0


def by_unit(
    results: Sequence[Result], lang: str = "zh"
) -> dict[str, list[tuple[Result, RuleGap | BandGap]]]:
    """``{unit: [(result, gap), …]}``, units in order of first appearance, cheapest first."""
    groups: dict[str, list[tuple[Result, RuleGap | BandGap]]] = {}
    order = 0
    ranked: dict[str, list[tuple[tuple[int, float, int], Result, RuleGap | BandGap]]] = {}
    for _, r in walk(results):
        for g in r.gaps:
            units = g.responsible or (text("gapview.unassigned", lang),)
            for unit in units:
                ranked.setdefault(unit, []).append(((*_cost(g), order), r, g))
            order += 1
    for unit, items in ranked.items():
        groups[unit] = [(r, g) for _, r, g in sorted(items, key=lambda x: x[0])]
    return groups


def render_gaps(results: Sequence[Result], lang: str = "zh", fmt: str = "table") -> str:
    """The gap view as text (``table``) or JSON (``{unit: [gap, …]}``)."""
    groups = by_unit(results, lang)
    if fmt == "json":
        data: dict[str, list[dict[str, Any]]] = {
            unit: [
                {"subject": {"id": r.subject_id, "name": r.subject_name}, "pack": r.pack_id}
                | g.to_dict()
                for r, g in items
            ]
            for unit, items in groups.items()
        }
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    lines = [text("gapview.title", lang), ""]
    if not groups:
        lines.append(text("gapview.none", lang))
    colon = text("sep.colon", lang)
    for unit, items in groups.items():
        lines.append(f"{unit}（{len(items)}）" if lang == "zh" else f"{unit} ({len(items)})")
        for r, g in items:
            who = r.subject_name or r.subject_id
            lines.append(f"  - {who}{colon}{g.message}")
        lines.append("")
    return "\n".join(lines) + "\n"


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("facts", nargs="+", metavar="FACTS")
    p.add_argument("--pack", required=True, action="append", help="a pack id, 'all' or a folder")
    p.add_argument("--as-of", type=parse_date, default=None)
    p.add_argument(
        "--format",
        choices=["table", "json"],
        default=None,
        help="default: json for an --output FILE.json, else table",
    )
    p.add_argument("--output", type=Path)
    add_view_options(p)


def _run(args: argparse.Namespace, streams: Streams) -> int:
    args.format = format_for_output(args.format, args.output, {".json": "json"}, "table")
    packs = [p for name in args.pack for p in api.default_registry().resolve(name)]
    dest, subjects, bad = read_subjects_for(args, streams)  # --output checked first
    options = view_options(args, packs)
    results = [
        api.evaluate(s, p, as_of=args.as_of, lang=options.lang) for s in subjects for p in packs
    ]
    if bad and not results:
        return EXIT_INPUT
    write_output(render_gaps(results, options.lang, args.format), dest, streams.stdout)
    if bad:
        return EXIT_INPUT
    return EXIT_FINDINGS if any(r.gaps for _, r in walk(results)) else EXIT_OK


def command() -> Command:
    """The ``gap`` command."""
    return Command("gap", "what it takes to pass, grouped by responsible unit", _configure, _run)
