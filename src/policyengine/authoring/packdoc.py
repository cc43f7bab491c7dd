"""``policyengine describe``: a pack's documentation page, generated from the pack itself.

The page lists the source document, every parameter with its values by date, every rule
with its clause, quote and responsible units, scales, deadlines, phases, jurisdiction
targets and the pack's readings — what an official checks against the document, clause by
clause. ``docs/packs/<id>.md`` are generated this way, and a test keeps them current.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path

from policyengine import pack_facts
from policyengine.contracts import EXIT_OK, Command, Streams
from policyengine.files import inside_folder, outputs_not_read
from policyengine.hookspecs import hookimpl
from policyengine.pack import Derived, Pack, Parameter, Rule, Scale
from policyengine.pack_facts import PackFact

__all__ = ["describe_pack"]


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> list[str]:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines.extend("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows)
    return [*lines, ""]


def _values(param: Parameter) -> str:
    if param.value is not None:
        return str(param.value)
    parts = []
    for entry in param.values:
        when = f"from {entry.since}" if entry.since else f"year {entry.year}"
        parts.append(f"{when}: {entry.value if entry.value is not None else '—'}")
    return "; ".join(parts) or "—"


def _citation(param: Parameter) -> str:
    if param.source:
        return param.source
    cites = [f"{param.clause} “{param.quote}”"] if param.clause else []
    cites += [f"{e.clause} “{e.quote}”" for e in param.values if e.clause]
    return "; ".join(dict.fromkeys(cites))


def _unmet_kind(scale: Scale) -> str:
    """What a subject below a scale's lowest band gets."""
    if scale.binding and scale.lowest_band_required:
        return "fail"
    if scale.binding:
        return "advisory: a rating, not a requirement; unknown counts as incomplete"
    return "advisory"


def _rules(rules: list[Rule]) -> list[str]:
    out: list[str] = []
    areas = list(dict.fromkeys(r.area for r in rules))
    for area in areas:
        if area:
            out.append(f"### {area}\n")
        for r in (r for r in rules if r.area == area):
            kind = "binding" if r.binding else "advisory"
            out.append(f"#### `{r.id}` — {r.title} ({r.clause}, {kind})\n")
            out.append(f"> {r.quote}\n")
            if r.when:
                out.append(f"* applies when: `{r.when}`")
            if r.require:
                out.append(f"* requires: `{r.require}`")
            if r.kind == "hook":
                out.append(f"* decided by the pack's hook; reads {', '.join(r.reads) or 'nothing'}")
            if r.kind == "table":
                out.append(
                    f"* decided by table `{r.table}`; reads {', '.join(r.reads) or 'nothing'}"
                )
            if r.kind == "summary":
                out.append(f"* repeats the summary `{r.summary}`")
            if r.responsible:
                out.append(f"* responsible: {'、'.join(r.responsible)}")
            if r.due or r.due_end_of_year or r.due_end_of_programme or r.due_programme_year:
                when = (
                    r.due.isoformat()
                    if r.due
                    else "12-31 of the programme's last year"
                    if r.due_end_of_programme
                    else f"12-31 of programme year {r.due_programme_year}"
                    if r.due_programme_year
                    else "12-31 of the year"
                )
                out.append(f"* due: {when}")
            if r.note:
                out.append(f"* note: {r.note}")
            out.append("")
    return out


def _output_line(pack: Pack, key: str, expression: str) -> str:
    cited = pack.cited_outputs.get(key)
    if cited is None:
        return f"`{key}` = `{expression}`"
    unit = f", {cited.unit}" if cited.unit else ""
    return f"`{key}` — {cited.title}{unit} = `{expression}` ({cited.clause}: “{cited.quote}”)"


def _computed(d: Derived) -> str:
    """How a derived fact is computed, as ``describe`` shows it."""
    if d.expression:
        return f"`{d.expression}`"
    counted = d.count_events or d.count_dates
    if counted is None:
        return "hook"
    n, unit = (d.within_years, "year") if d.within_years else (d.within_months, "month")
    span = f"{n} {unit}" + ("" if n == 1 else "s")
    kinds = f" of kinds {', '.join(d.kinds)}" if d.kinds else ""
    end = f"`{d.before}`" if d.before not in (None, "as_of") else "the evaluation date"
    return f"count of `{counted}`{kinds} within {span} up to {end} (both included)"


def _allowed(fact: PackFact) -> str:
    if fact.values:
        return ", ".join(fact.values)
    if fact.min is not None or fact.max is not None:
        low = "…" if fact.min is None else f"{fact.min:g}"
        high = "…" if fact.max is None else f"{fact.max:g}"
        return f"{low} to {high}"
    return ""


def describe_pack(pack: Pack) -> str:
    """The pack's documentation page, in Markdown."""
    info, src = pack.info, pack.info.source
    lines = [
        f"# {info.title} (`{info.id}` {info.version})",
        "",
        f"*{info.title_en}* — {info.region}",
        "",
    ]
    lines += ["## Source document", ""]
    lines.append(
        f"《{src.title}》" + (f" {src.number}" if src.number else "") + "，"
        f"{'、'.join(src.issuer)}，{src.date_text()}."
    )
    if src.date_reading:
        lines.append(f"Date read as: {src.date_reading}")
    if src.seed:
        shipped = pack.path / src.seed
        inside = inside_folder(pack.path, shipped) and shipped.is_file()
        where = " (in the pack folder)" if inside else ""
        lines.append(
            f"Text: `{src.seed}`{where}." + (f" Published at {src.url}." if src.url else "")
        )
    lines += [*(f"* {n}" for n in src.notes), ""]
    scope = []
    if info.scope:
        t = info.scope
        scope.append(
            f"* Territory: {t.territory} ({t.clause}: “{t.quote}”), checked against "
            "`community.jurisdiction` or a jurisdiction's name and level; elsewhere not "
            "applicable, not known: incomplete."
        )
    if info.pilot:
        pl = info.pilot
        scope.append(
            f"* Binding for the pilot unit {pl.unit} (`{pl.when}`; {pl.clause}: “{pl.quote}”); "
            "elsewhere in the territory a gap analysis (advisory)."
        )
    if info.effective_from or info.effective_until:
        scope.append(f"* In force: {info.effective_from or '…'} to {info.effective_until or '…'}.")
    if info.applicability:
        a = info.applicability
        scope.append(
            f"* Applies when `{a.when}` ({a.clause}: “{a.quote}”); otherwise not applicable."
        )
    if info.programme:
        p = info.programme
        scope.append(
            f"* A {p.years}-year programme starting in the year `params.{p.start_parameter}`."
        )
    if scope:
        lines += ["## Scope", "", *scope, ""]
    if pack.phases:
        lines += [f"## Phases (output `{info.phase_output}`)", ""]
        lines += _table(
            ["id", "phase", "from", "to", "clause", "quote"],
            [(p.id, p.title, p.start, p.end, p.clause, p.quote) for p in pack.phases],
        )
    if pack.parameters:
        lines += ["## Parameters", ""]
        lines += _table(
            ["name", "title", "value", "unit", "source"],
            [
                (f"`{n}`", p.title, _values(p), p.unit or "", _citation(p))
                for n, p in pack.parameters.items()
            ],
        )
    if pack.facts:
        lines += [
            "## Facts of this pack",
            "",
            "Given in a facts document in the table "
            f"`[{pack_facts.namespace_of(pack.id)}]`; no other pack reads them.",
            "",
        ]
        lines += _table(
            ["fact", "title", "type", "unit", "allowed", "clause"],
            [
                (
                    f"`{path}`",
                    f.title + (f" ({f.title_en})" if f.title_en else ""),
                    f.type if f.level == "community" else f"{f.type}, of a jurisdiction",
                    f.unit or "",
                    _allowed(f),
                    f.clause or "",
                )
                for path, f in pack.facts.items()
            ],
        )
    if pack.derived:
        lines += ["## Derived facts", ""]
        lines += _table(
            ["fact", "title", "computed as", "clause"],
            [
                (
                    f"`{d.path}`",
                    d.title,
                    _computed(d),
                    d.clause or "",
                )
                for d in pack.derived
            ],
        )
    community = [r for r in pack.rules if r.subject == "community"]
    if community:
        lines += ["## Community rules", "", *_rules(community)]
    if pack.scales:
        lines += ["## Scales", ""]
        for s in pack.scales:
            lines += [
                f"### `{s.id}` — {s.title} ({s.clause}, output `{s.output}`)",
                "",
                f"> {s.quote}",
                "",
                f"Input `{s.input}`"
                + (f", when `{s.when}`" if s.when else "")
                + f"; below the lowest band: {s.below} ({_unmet_kind(s)}).",
                "",
            ]
            lines += _table(
                ["value", "label", "from (inclusive)"],
                [(b.value, b.label or "", f"`{b.min}`") for b in s.bands],
            )
    if pack.deadlines:
        lines += ["## Deadlines", ""]
        lines += _table(
            ["id", "title", "kind", "due", "evidence", "clause", "responsible"],
            [
                (
                    f"`{d.id}`",
                    d.title,
                    d.kind,
                    d.due
                    or (
                        f"day {d.day}, {d.start}..{d.end}"
                        if d.kind == "monthly"
                        else f"{d.month or 12}-{d.day or 31} each year"
                    ),
                    f"`{d.evidence}`",
                    d.clause,
                    "、".join(d.responsible),
                )
                for d in pack.deadlines
            ],
        )
    jurisdiction = [r for r in pack.rules if r.subject == "jurisdiction"]
    if pack.aggregates or jurisdiction:
        lines += ["## Jurisdiction targets", ""]
        if pack.aggregates:
            lines += _table(
                ["aggregate", "title", "measure", "of"],
                [
                    (
                        f"`{a.path}`",
                        a.title,
                        a.measure,
                        f"rule `{a.rule}`"
                        if a.rule
                        else f"output `{a.output}`" + (f" ≥ {a.min:g}" if a.min is not None else "")
                        if a.output
                        else f"`{a.condition}`",
                    )
                    for a in pack.aggregates
                ],
            )
        lines += _rules(jurisdiction)
    outputs = [
        *(f"`{s.output}` (scale `{s.id}`)" for s in pack.scales),
        *(_output_line(pack, k, v) for k, v in pack.outputs.items()),
        *(f"`{d.output}` (deadline `{d.id}`)" for d in pack.deadlines if d.output),
        *(
            f"`{k}` (table `{t.id}`)"
            for t in pack.tables
            for k in (
                t.output,
                *([t.payers_output] if t.payers_output else []),
                *dict.fromkeys(k for row in t.rows for k in row.outputs),
            )
        ),
        *(f"`{sm.output}` (summary: {sm.title})" for sm in pack.summaries),
        *(f"`{t.output}` (findings counted by {t.by})" for t in pack.tallies),
        *(
            f"`{k}` (`{fl.prefix}*` facts {what})"
            for fl in pack.fact_lists
            for k, what in ((fl.false_output, "false"), (fl.unknown_output, "missing"))
            if k
        ),
    ]
    if outputs:
        lines += [
            "## Outputs",
            "",
            *(f"* {o}" for o in outputs),
            "* and those of the pack's `pack_outputs` hook, if any." if pack.hooks else "",
            "",
        ]
    if info.notes:
        lines += ["## Readings and decisions", "", *(f"* {n}" for n in info.notes), ""]
    return "\n".join(lines).rstrip() + "\n"


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("pack", metavar="PACK", help="an installed pack id or a pack folder")
    p.add_argument("--output", type=Path, help="write here instead of standard output")


def _run(args: argparse.Namespace, streams: Streams) -> int:
    from policyengine.api import default_registry
    from policyengine.builtins.io import write_output
    from policyengine.engine import compile_pack

    # the page never replaces a file the pack is read from (its pack.toml, its hooks)
    with outputs_not_read({"--output": args.output}):
        (pack,) = default_registry().resolve(args.pack)
    # a page of a pack whose conditions the rules engine refuses would describe rules that
    # never run: the PackError evaluate gives, exit 2, before anything is written
    compile_pack(pack)
    compile_pack(pack, "jurisdiction")
    text = describe_pack(pack)
    write_output(text, args.output, streams.stdout)
    return EXIT_OK


@hookimpl
def register_commands() -> list[Command]:
    """``policyengine describe``."""
    return [Command("describe", "write a pack's documentation page (Markdown)", _configure, _run)]
