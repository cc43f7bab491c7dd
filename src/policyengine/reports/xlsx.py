"""The ``xlsx`` format: the results table of results.md in an Excel workbook (openpyxl).

Sheet ``results``: one row per subject × pack (a jurisdiction's communities are subjects
too), columns ``subject_id``, ``pack``, ``pack_version``, ``digest``, ``as_of``,
``verdict``, ``outputs.<key>`` for every output (scalars as they are, lists and tables
JSON-encoded), ``rules.<rule id>`` holding each rule's outcome and ``gaps`` (the result's
gaps as JSON): the columns of the CSV table with ``--gaps``. Sheet ``summary``: per pack,
how many subjects have each verdict, and per rule how many subjects pass, fail or lack
data. Sheet ``gaps``: every gap of every subject (what it takes to pass), with the
responsible units and the sentence.
"""

from __future__ import annotations

import gc
import io
import json
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from policyengine.contracts import RenderOptions
from policyengine.i18n import join_units, text
from policyengine.reports.view import pack_view, printable, rule_title, verdict_label, walk
from policyengine.results import Result
from policyengine.sinks import FIXED_COLUMNS, GAPS_COLUMN, flat_rows

__all__ = ["HEAD", "render_xlsx", "table_columns"]

HEAD = FIXED_COLUMNS


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def _put(ws: Any, values: Sequence[Any]) -> None:
    """Append a row, each cell written as the value it holds: text as a workbook can hold it
    (:func:`printable`), and text that starts with ``=`` (an id, a name or a sentence from
    the facts) stays text, never a formula the spreadsheet would run (formula injection:
    ``=HYPERLINK(…)``, ``=cmd|…``). The row is not looked up again once appended: finding
    the sheet's last row goes through all its cells, which made a workbook take quadratic
    time."""
    ws.append([_text(ws, v) if isinstance(v, str) else v for v in values])


def _text(ws: Any, value: str) -> Any:
    """Text for a cell of ``ws``: a cell already typed as text if it starts with ``=``."""
    from openpyxl.cell.cell import Cell

    shown = printable(value)
    if not shown.startswith("="):
        return shown
    cell = Cell(ws, value=shown)
    cell.data_type = "s"  # not "f": a formula
    return cell


def _rows(results: Sequence[Result]) -> Iterator[dict[str, Any]]:
    """The rows of the results table, built by the table writers' own row builder."""
    for r in results:
        yield from flat_rows(r, gaps=True)


def table_columns(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The columns: the fixed head, then outputs and rules in order of first appearance."""
    seen: dict[str, None] = dict.fromkeys(HEAD)
    for prefix in ("outputs.", "rules.", GAPS_COLUMN):
        for row in rows:
            for key in row:
                if key.startswith(prefix):
                    seen.setdefault(key)
    return list(seen)


def render_xlsx(results: Sequence[Result], options: RenderOptions | None = None) -> bytes:
    """The workbook as bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    options = options or RenderOptions()
    lang = options.lang
    rows = list(_rows(results))
    columns = table_columns(rows)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "results"
    _put(ws, columns)
    for row in rows:
        _put(ws, [row.get(c) for c in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = ws.dimensions
    for i, name in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(40, max(10, len(name) + 2))

    summary = wb.create_sheet("summary")
    bold = Font(bold=True)
    verdicts = ("pass", "fail", "incomplete", "not_applicable")
    _put(
        summary,
        [text("head.pack", lang), text("head.document", lang), text("head.number", lang)]
        + [verdict_label(v, lang) for v in verdicts],
    )
    by_pack: dict[str, list[Result]] = {}
    for _, r in walk(results):
        by_pack.setdefault(r.pack_id, []).append(r)
    for pack_id, items in by_pack.items():
        pv = pack_view(options.packs.get(pack_id), pack_id, lang)
        _put(
            summary,
            [pv.title, pv.document, pv.number]
            + [sum(1 for r in items if r.verdict == v) for v in verdicts],
        )
    _put(summary, [])
    outcomes = ("pass", "fail", "unknown")
    _put(
        summary,
        [
            text("head.pack", lang),
            text("head.clause", lang),
            text("head.rule", lang),
            *(text(f"outcome.{o}", lang) for o in outcomes),
        ],
    )
    rule_header_row = summary.max_row
    for pack_id, items in by_pack.items():
        pack = options.packs.get(pack_id)
        tally: dict[str, list[Any]] = {}
        for r in items:
            for f in r.findings:
                entry = tally.setdefault(f.rule, [f.clause, rule_title(f, pack, lang), 0, 0, 0])
                if f.outcome == "pass":
                    entry[2] += 1
                elif f.outcome in ("fail", "overdue", "met_late"):
                    entry[3] += 1
                elif f.outcome == "unknown":
                    entry[4] += 1
        for entry in tally.values():
            _put(summary, [pack_id, *entry])
    for cell in (*summary[1], *summary[rule_header_row]):
        cell.font = bold
    for letter, width in zip("ABCDEFG", (36, 40, 24, 10, 10, 12, 12), strict=True):
        summary.column_dimensions[letter].width = width
    gaps = wb.create_sheet("gaps")
    _put(
        gaps,
        [
            "subject_id",
            "pack",
            "rule",
            "fact",
            "now",
            "needed",
            text("head.responsible", lang),
            text("head.message", lang),
        ],
    )
    for _, r in walk(results):
        for g in r.gaps:
            data = g.to_dict()
            fact = data.get("fact") or ", ".join(data.get("needs", {}))
            needed = data.get("needed", data.get("next"))
            _put(
                gaps,
                [
                    r.subject_id,
                    r.pack_id,
                    data["rule"],
                    fact,
                    _cell(data.get("now")),
                    _cell(needed),
                    join_units(g.responsible, lang),
                    g.message,
                ],
            )
    for cell in gaps[1]:
        cell.font = bold
    return _save(wb)


def _save(wb: Any) -> bytes:
    """The workbook's bytes. openpyxl writes each sheet to a temporary file first: when that
    fails (a full disk, a file size limit) lxml's error is an OSError, not a bug, and the
    sheet writer failing again as it is dropped is not printed."""
    buf = io.BytesIO()
    failed: str | None = None
    before = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        if unraisable.exc_type.__name__ != "SerialisationError":
            before(unraisable)

    sys.unraisablehook = hook
    try:
        try:
            wb.save(buf)
        except Exception as exc:
            if type(exc).__name__ != "SerialisationError":
                raise
            failed = str(exc)
        if failed is not None:
            gc.collect()  # the sheet writer, dropped now rather than at some later time
    finally:
        sys.unraisablehook = before
    if failed is not None:
        raise OSError(f"the workbook could not be written to a temporary file ({failed})")
    return buf.getvalue()
