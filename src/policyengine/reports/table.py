"""The ``table`` format: what a person reads in a terminal.

With the ``[reports]`` extra it is drawn with rich: columns wrap to the terminal's width,
titles and clauses are shown whole, CJK characters take two columns. Without the extra it
falls back to plain text, one block per finding. Both put failures first, show the
responsible units, the outputs as labelled values and the gaps, and end with a summary
across packs. A pack that does not apply to the subject (out of its territory, not for its
level, not in force) takes one line: the sentence that says why, not every rule with it.

Terminals disagree on the width of East Asian "ambiguous" punctuation (“ ” ‘ ’ … — ·): a
CJK terminal draws them two columns wide, others one. The table shows them as their
unambiguous Chinese forms (「 」 『 』 ⋯ － ・) so every column lines up everywhere; quotes
are not shown in the table, so no text of a document is altered.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import textwrap
import unicodedata
from collections.abc import Sequence

from policyengine.contracts import RenderOptions
from policyengine.i18n import join_units, text
from policyengine.pack import Pack
from policyengine.reports.view import (
    counts,
    failures_first,
    finding_message,
    key_outputs,
    outcome_label,
    output_label,
    output_rows,
    output_value,
    pack_view,
    rule_title,
    verdict_label,
    verdicts_sentence,
    walk,
)
from policyengine.results import Result

__all__ = ["not_applicable_line", "render_table", "terminal_safe"]

_AMBIGUOUS = str.maketrans(
    {"“": "「", "”": "」", "‘": "『", "’": "』", "…": "⋯", "—": "－", "·": "・"}
)
_AMBIGUOUS_EN = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "…": "...", "—": "-"})


def terminal_safe(s: str, lang: str = "zh") -> str:
    """``s`` with ambiguous-width punctuation replaced: by unambiguous Chinese forms, or in
    English by ASCII."""
    return s.translate(_AMBIGUOUS if lang == "zh" else _AMBIGUOUS_EN)


def _width(options: RenderOptions) -> int:
    """The width asked for, else ``COLUMNS``, else the terminal's, else 100 (a file, a pipe)."""
    if options.width:
        return options.width
    columns = os.environ.get("COLUMNS")
    if columns and columns.isdigit():
        return int(columns)
    if sys.stdout.isatty():
        return shutil.get_terminal_size((100, 24)).columns
    return 100


def _header(r: Result, pack: Pack | None, lang: str) -> tuple[str, str]:
    pv = pack_view(pack, r.pack_id, lang)
    named = (
        f"{r.subject_name}（{r.subject_id}）"
        if lang == "zh"
        else f"{r.subject_name} ({r.subject_id})"
    )
    name = named if r.subject_name else r.subject_id
    level = text(f"level.{r.subject_level}", lang)
    head = f"{level} {name} · {pv.title} {pv.version} · {text('head.as_of', lang)} {r.as_of}"
    c = counts(r.findings)
    doc = f"《{pv.document}》{pv.number}" if pv.document else ""
    colon = text("sep.colon", lang)
    line = f"{text('head.verdict', lang)}{colon}{verdict_label(r.verdict, lang)}  " + text(
        "summary.counts", lang, **c
    )
    return terminal_safe(head, lang), terminal_safe(f"{doc}\n{line}" if doc else line, lang)


def not_applicable_line(r: Result, pack: Pack | None, lang: str) -> str | None:
    """The one sentence that says why a whole pack does not apply (out of its territory, not
    for this level, not in force), or None where the pack applies or its rules do not apply
    each for a reason of its own (then each is listed)."""
    if r.verdict != "not_applicable" or not r.findings:
        return None
    for f in r.findings:
        reason = f.reason
        if f.outcome == "not_applicable" and (
            f.rule == "scope" or (reason is not None and reason.code == "not_applicable")
        ):
            return finding_message(f, lang, pack, r.as_of)
    said = {finding_message(f, lang, pack, r.as_of) for f in r.findings}
    return said.pop() if len(said) == 1 else None


def _summary_rows(results: Sequence[Result], lang: str) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for depth, r in walk(results):
        if depth > 0 and r.subject_level == "community":
            continue
        c = counts(r.findings)
        rows.append(
            (
                r.subject_name or r.subject_id,
                r.pack_id,
                verdict_label(r.verdict, lang),
                str(c["fail"]),
                str(c["unknown"]),
            )
        )
    return rows


def _shown(results: Sequence[Result]) -> list[Result]:
    """The results with a block of their own (nested communities are in an overview)."""
    return [r for d, r in walk(results) if d == 0 or r.subject_level == "jurisdiction"]


def _summary_line(results: Sequence[Result], lang: str) -> str:
    return verdicts_sentence([r.verdict for r in _shown(results)], lang)


def render_table(results: Sequence[Result], options: RenderOptions | None = None) -> str:
    """The results as a table for the terminal (rich when installed, else plain text)."""
    options = options or RenderOptions()
    try:
        import rich  # noqa: F401
    except ImportError:
        return _plain(results, options)
    return _rich(results, options)


def _rich(results: Sequence[Result], options: RenderOptions) -> str:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    lang = options.lang
    buf = io.StringIO()
    console = Console(
        file=buf,
        width=_width(options),
        no_color=True,
        force_terminal=False,
        highlight=False,
        emoji=False,
    )

    def line(s: str) -> None:
        console.print(s, markup=False, highlight=False, soft_wrap=False)

    for depth, r in walk(results):
        if depth > 0 and r.subject_level == "community":
            continue  # in its jurisdiction's overview
        pack = options.packs.get(r.pack_id)
        head, sub = _header(r, pack, lang)
        line(head)
        why = not_applicable_line(r, pack, lang)
        if why is not None:  # the pack does not apply: one line, not every rule
            console.print(terminal_safe("  " + why, lang), markup=False, highlight=False)
            line("")
            continue
        line(sub)
        if options.only_failing:
            line(text("summary.only_failing", lang))
        findings = failures_first(r.findings, options.only_failing)
        if findings:
            t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=True)
            t.add_column(text("head.result", lang), no_wrap=True, min_width=4)
            t.add_column(text("head.clause", lang), min_width=6, max_width=14, overflow="fold")
            t.add_column(text("head.rule", lang), ratio=3, overflow="fold")
            t.add_column(text("head.message", lang), ratio=5, overflow="fold")
            t.add_column(text("head.responsible", lang), ratio=2, overflow="fold")
            for f in findings:
                t.add_row(
                    outcome_label(f.outcome, lang),
                    terminal_safe(f.clause, lang),
                    terminal_safe(rule_title(f, pack, lang), lang),
                    terminal_safe(finding_message(f, lang, pack, r.as_of), lang),
                    terminal_safe(join_units(f.responsible, lang), lang),
                )
            console.print(t)
        elif options.only_failing:
            line("  " + text("summary.none_failing", lang))
        outputs = output_rows(r, pack, lang)
        if outputs:
            t = Table(box=None, show_header=False, pad_edge=False, expand=False)
            t.add_column(style=None, no_wrap=True)
            t.add_column(overflow="fold")
            for label, value in outputs:
                t.add_row(terminal_safe(label, lang), terminal_safe(value, lang))
            line(text("head.outputs", lang) + text("sep.colon", lang))
            console.print(t)
        if r.gaps:
            line(text("head.gaps", lang) + text("sep.colon", lang))
            t = Table(box=None, show_header=False, pad_edge=False, expand=False)
            t.add_column(no_wrap=True)
            t.add_column(overflow="fold")
            for g in r.gaps:
                t.add_row("  -", terminal_safe(g.message, lang))
            console.print(t)
        if r.communities:
            line(text("head.overview", lang) + text("sep.colon", lang))
            t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False)
            keys = key_outputs(r.communities)
            for heading in (
                text("head.community", lang),
                text("head.verdict", lang),
                *(output_label(k, pack, lang) for k in keys),
                outcome_label("fail", lang),
                outcome_label("unknown", lang),
            ):
                t.add_column(terminal_safe(heading, lang), overflow="fold")
            for c in r.communities:
                n = counts(c.findings)
                t.add_row(
                    terminal_safe(c.subject_name or c.subject_id, lang),
                    verdict_label(c.verdict, lang),
                    *(
                        terminal_safe(output_value(k, c.outputs.get(k), pack, lang), lang)
                        for k in keys
                    ),
                    str(n["fail"]),
                    str(n["unknown"]),
                )
            console.print(t)
        line(f"{text('head.digest', lang)}{text('sep.colon', lang)}{r.pack_digest}")
        line("")
    if len(_shown(results)) > 1:
        t = Table(title=text("head.summary", lang), box=box.SIMPLE_HEAD, expand=False)
        for key in ("head.subject", "head.pack", "head.verdict"):
            t.add_column(text(key, lang), overflow="fold")
        t.add_column(outcome_label("fail", lang), justify="right")
        t.add_column(outcome_label("unknown", lang), justify="right")
        for row in _summary_rows(results, lang):
            t.add_row(*(terminal_safe(c, lang) for c in row))
        console.print(t)
    line(_summary_line(results, lang))
    return "".join(row.rstrip() + "\n" for row in buf.getvalue().splitlines())


# ----------------------------------------------------------------------- without rich


def _cells(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _wrap(s: str, width: int, indent: str) -> list[str]:
    """Lines of at most ``width`` terminal columns (CJK counts two)."""
    out: list[str] = []
    cur = indent
    for ch in s:
        if _cells(cur) + _cells(ch) > width:
            out.append(cur.rstrip())
            cur = indent
        cur += ch
    if cur.strip():
        out.append(cur.rstrip())
    return out


def _plain(results: Sequence[Result], options: RenderOptions) -> str:
    lang, width = options.lang, max(40, _width(options))
    lines: list[str] = []
    for depth, r in walk(results):
        pack = options.packs.get(r.pack_id)
        pad = "  " * min(depth, 4)
        if depth > 0 and r.subject_level == "community":
            n = counts(r.findings)
            zh = lang == "zh"
            comma, semi, open_, close = ("，", "；", "（", "）") if zh else (", ", "; ", " (", ")")
            shown = comma.join(
                f"{output_label(k, pack, lang)} {output_value(k, r.outputs.get(k), pack, lang)}"
                for k in key_outputs([r])
            )
            row = (
                f"- {r.subject_name or r.subject_id}{text('sep.colon', lang)}"
                f"{verdict_label(r.verdict, lang)}{open_}{shown}{semi}"
                f"{outcome_label('fail', lang)} {n['fail']}{comma}"
                f"{outcome_label('unknown', lang)} {n['unknown']}{close}"
            )
            lines += _wrap(terminal_safe(row, lang), width, pad)
            continue
        head, sub = _header(r, pack, lang)
        lines += _wrap(head, width, pad)
        why = not_applicable_line(r, pack, lang)
        if why is not None:  # the pack does not apply: one line, not every rule
            lines += _wrap(terminal_safe(why, lang), width, pad + "  ")
            lines.append("")
            continue
        for part in sub.split("\n"):
            lines += _wrap(part, width, pad)
        for f in failures_first(r.findings, options.only_failing):
            title = f"[{outcome_label(f.outcome, lang)}] {f.clause} {rule_title(f, pack, lang)}"
            lines += _wrap(terminal_safe(title, lang), width, pad + "  ")
            lines += _wrap(
                terminal_safe(finding_message(f, lang, pack, r.as_of), lang), width, pad + "      "
            )
            if f.responsible:
                colon = text("sep.colon", lang)
                who = f"{text('head.responsible', lang)}{colon}{join_units(f.responsible, lang)}"
                lines += _wrap(terminal_safe(who, lang), width, pad + "      ")
        for label, value in output_rows(r, pack, lang):
            lines += _wrap(
                terminal_safe(f"{label}{text('sep.colon', lang)}{value}", lang), width, pad + "  "
            )
        for g in r.gaps:
            lines += _wrap(terminal_safe("- " + g.message, lang), width, pad + "  ")
        digest = f"{text('head.digest', lang)}{text('sep.colon', lang)}{r.pack_digest}"
        lines += _wrap(digest, width, pad)
        lines.append("")
    lines += textwrap.wrap(_summary_line(results, lang), width=width) or [""]
    return "\n".join(lines) + "\n"
