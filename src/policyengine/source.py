"""What a pack says about its document and its outputs, beyond rules: the source document
(with partial or unstated dates), cited outputs, and the checks of the forms that read
dates relative to facts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any

import attrs

from policyengine._converter import converter, describe
from policyengine.files import ODD_NAME

__all__ = ["NOT_STATED", "Output", "SourceDocument", "probe_day", "source_problems"]

NOT_STATED = "not stated in the document"
"""What a pack says where the document gives no value (a parameter, an issuer, a date)."""

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2]))?$")


@attrs.frozen
class SourceDocument:
    """The government document a pack is read from.

    Any field the document does not give may say so: ``not stated in the document``.
    """

    title: str
    issuer: tuple[str, ...]
    date: dt.date | str
    """A date; or as much of it as the document states (``"2016"``, ``"2016-02"``, with
    ``date_reading``); or ``not stated in the document``."""
    number: str | None = None
    """文号, e.g. 宝凤政办发〔2024〕22号; None where the document has none."""
    seed: str | None = None
    text: str | None = None  # the document's text shipped in the pack, e.g. source.txt
    url: str | None = None
    notes: tuple[str, ...] = ()
    date_reading: str | None = None
    """How the pack reads a partial or unstated date (e.g. from when it holds the text in force)."""

    def date_text(self) -> str:
        """The date as the document states it: ``2016-02-03``, ``2016-02``, ``2016``, or
        ``not stated in the document``."""
        return self.date.isoformat() if isinstance(self.date, dt.date) else self.date

    def first_day(self) -> dt.date | None:
        """The earliest day the date can be (2016-02 → 2016-02-01); None when not stated."""
        if isinstance(self.date, dt.date):
            return self.date
        found = _PARTIAL_DATE.match(self.date)
        if found is None:
            return None
        return dt.date(int(found[1]), int(found[2] or 1), 1)


def _structure_document_date(value: Any, _: Any) -> dt.date | str:
    if isinstance(value, dt.datetime):
        raise TypeError(f"{value.isoformat()} is a date and time; give a date (YYYY-MM-DD)")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
        if _PARTIAL_DATE.match(value) or value == NOT_STATED:
            return value
    raise TypeError(
        f'{value!r} is not a date (YYYY-MM-DD), a year and month ("YYYY-MM"), a year '
        f'("YYYY") or {NOT_STATED!r}'
    )


converter.register_structure_hook(dt.date | str, _structure_document_date)


@attrs.frozen(kw_only=True)
class Output:
    """An output given as a table: its expression with what it means and where it comes from.

    ``[outputs] name = "expression"`` is the short form, for values that restate facts.
    An output the document states (a reward, a grade) cites its clause and quotes it.
    """

    expression: str
    title: str
    clause: str
    quote: str
    title_en: str | None = None
    unit: str | None = None
    note: str | None = None


def _structure_output(value: Any, _: Any) -> str | Output:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        found: Output = converter.structure(value, Output)
        return found
    raise TypeError(f"{value!r} is neither an expression nor a table")


converter.register_structure_hook(str | Output, _structure_output)


def probe_day(source: SourceDocument, effective_from: dt.date | None) -> dt.date:
    """A day to read the pack's undated parameters on: the document's (first possible)
    date, else the day it comes into force."""
    return source.first_day() or effective_from or dt.date(2000, 1, 1)


def _file_name_problem(name: str | None, key: str) -> str | None:
    """Why ``[pack.source] text`` or ``seed`` does not name a file in the pack's folder (or,
    ``seed``, in a ``--seeds`` folder), before anything is read: an absolute path, ``..``,
    or a name that could forge a line of a message (None: it may)."""
    if name is None:
        return None
    if not name.isprintable():
        return f"{describe(name)}: {ODD_NAME}"
    path = PurePath(name)
    if path.is_absolute() or ".." in path.parts:
        where = "the pack's folder" if key == "text" else "the pack's folder or --seeds folder"
        return f"{name!r} is outside {where}: give a file name relative to it, without '..'"
    return None


def source_problems(
    source: SourceDocument, derived: Sequence[Any], deadlines: Sequence[Any]
) -> list[str]:
    """Problems with the source text's file names (each a file in the pack's folder), with a
    partial date and with the forms relative to dated facts (``[[derived]]`` and
    ``[[deadlines]]`` of the pack)."""
    problems: list[str] = []
    for key, name in (("text", source.text), ("seed", source.seed)):
        why = _file_name_problem(name, key)
        if why is not None:
            problems.append(f"pack.source.{key}: {why}")
    if isinstance(source.date, str) and source.date != NOT_STATED and not source.date_reading:
        problems.append(
            f"pack.source.date: {source.date!r} is a partial date; say how the pack reads it "
            "in pack.source.date_reading"
        )
    for i, d in enumerate(derived):
        key = "count_dates" if d.count_dates is not None else "count_events"
        if (d.count_dates is not None or d.count_events is not None) and (
            d.expression is not None
            or d.type != "number"
            or not (d.within_years or d.within_months)
            or (d.count_dates is not None and d.count_events is not None)
        ):
            problems.append(
                f"derived[{i}].{key}: a window count is a number with within_years "
                "or within_months, no expression, and counts dates or events (not both)"
            )
        if d.kinds and d.count_events is None:
            problems.append(f"derived[{i}].kinds: kinds are for count_events")
    for i, dl in enumerate(deadlines):
        if dl.kind == "once" and dl.due is not None and dl.after is not None:
            problems.append(
                f"deadlines[{i}].due: give due, or after (a date fact) with years or months, "
                "not both"
            )
        if dl.after is not None and (dl.kind != "once" or not (dl.years or dl.months)):
            problems.append(f"deadlines[{i}].after: only for a once deadline, with years or months")
    return problems
