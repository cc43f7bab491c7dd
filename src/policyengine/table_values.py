"""A table's cells as facts, and what is said about a table's text that cannot be read.

facts.md "Tables": an empty cell is a missing fact, and so is a cell of spaces only;
numbers are what a JSON number is (ASCII digits, a sign, a decimal point, an exponent:
not ``1_00``, nor full-width or Arabic-Indic digits); the spaces around a number, a
boolean, a date, a list, a choice (``urban``) or an id are not part of it, while free text
(a name) is kept as written. Every source (CSV, Excel, Parquet, an included table) reads
its cells here, so a cell means the same thing in each.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from policyengine import pack_facts
from policyengine.exceptions import FactProblem
from policyengine.facts import FactType, fact_catalogue
from policyengine.json_input import LONG_NUMBER

__all__ = [
    "BINARY",
    "SPACES",
    "Uncomputed",
    "cell_value",
    "column_types",
    "not_utf8_lines",
    "row_document",
    "shown",
    "trimmed",
]

_INT = re.compile(r"[+-]?\d+", re.ASCII)
_WHOLE_DECIMAL = re.compile(r"([+-]?\d+)\.0+", re.ASCII)
"""A whole number written with zero decimals, as a JSON document's ``10.0`` is taken."""
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
"""A number as JSON writes one (a sign and a bare decimal point allowed, as a spreadsheet
writes them): nothing Python's ``float`` takes besides (``1_00``, ``５００``, ``nan``)."""
_MOST_DIGITS = 4300
"""Python's limit on the digits of an integer read from text."""

SPACES = "\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
"""The characters :meth:`str.strip` takes away (every one :meth:`str.isspace` says is a
space), as a character class's inside: the columnar screen finds them by pattern."""

BINARY = "holds binary data, not text: save the column as text (a string column)"
"""What a Parquet cell of bytes is said to be, where a fact is read."""


def column_types() -> Mapping[str, FactType]:
    """The columns a table may have, with their types: the shared vocabulary's community
    facts, and the community facts of every pack loaded (``civility_rating.score``)."""
    own = pack_facts.column_types()
    catalogue = fact_catalogue("community")
    return {**catalogue, **own} if own else catalogue


def shown(text: str) -> str:
    """A cell's text (or a column's name) as a message quotes it: at most 80 characters (a
    2 MiB cell is not repeated whole in its message), as
    :func:`policyengine._converter.describe` shows a document's text."""
    return repr(text if len(text) <= 80 else text[:77] + "…")


def trimmed(path: str, ftype: FactType) -> bool:
    """Whether a text fact's cell is read without its surrounding spaces: an id, a choice."""
    return ftype.kind == "text" and (bool(ftype.choices) or path.endswith(".id"))


def _integer(text: str) -> int:
    if len(text.lstrip("+-")) > _MOST_DIGITS:
        raise ValueError(LONG_NUMBER)
    return int(text)


def _text_cell(text: str, ftype: FactType, trim: bool) -> Any:
    """The value of a text cell for a fact of that type (raises ValueError with a message)."""
    kind = ftype.kind
    if kind == "text":
        return text.strip() if trim else text
    stripped = text.strip()
    if kind == "bool":
        low = stripped.lower()
        if low in ("true", "false"):
            return low == "true"
        raise ValueError(f"{shown(text)} is not true or false")
    if kind == "int":
        if _INT.fullmatch(stripped):
            return _integer(stripped)
        whole = _WHOLE_DECIMAL.fullmatch(stripped)
        if whole:  # "1850.0": a whole number as pandas writes an int column with a gap
            return _integer(whole.group(1))
        raise ValueError(f"{shown(text)} is not a whole number")
    if kind == "number":
        if _INT.fullmatch(stripped):
            return _integer(stripped)
        if not _NUMBER.fullmatch(stripped):
            raise ValueError(f"{shown(text)} is not a number")
        value = float(stripped)
        if not math.isfinite(value):
            raise ValueError(f"{shown(text)} is not a number")
        return value
    if kind == "date":
        try:
            return dt.date.fromisoformat(stripped)
        except ValueError:
            raise ValueError(f"{shown(text)} is not a date (YYYY-MM-DD)") from None
    try:
        value = json.loads(stripped)
    except ValueError:
        raise ValueError(f'{shown(text)} is not a JSON array such as ["a", "b"]') from None
    if not isinstance(value, list):
        raise ValueError(f'{shown(text)} is not a JSON array such as ["a", "b"]')
    return value


@attrs.frozen
class Uncomputed:
    """A workbook's formula cell that holds no computed value (a workbook written by a
    program and never saved by Excel): openpyxl reads it as empty, but it is not a missing
    fact."""

    formula: str
    """The formula's text, without its ``=`` (empty for a shared formula's other cells)."""

    def problem(self) -> str:
        """What is wrong with the cell, as a field's problem."""
        said = repr(f"={self.formula}") if self.formula else "the cell"
        return (
            f"{said} is a formula with no computed value: open and save the workbook in "
            "Excel, or give the value"
        )


def cell_value(raw: Any, ftype: FactType, trim: bool = False) -> Any:
    """A cell of any source as a document value; ``None`` when the fact is missing
    (``trim``: a text fact read without its surrounding spaces, :func:`trimmed`)."""
    if raw is None:
        return None
    if isinstance(raw, str):
        if raw.strip() == "":  # empty, or spaces only: missing, whatever the fact
            return None
        return _text_cell(raw, ftype, trim)
    if isinstance(raw, Uncomputed):
        raise ValueError(raw.problem())
    if isinstance(raw, bytes | bytearray | memoryview):
        raise ValueError(BINARY)
    if isinstance(raw, decimal.Decimal):  # a Parquet decimal: a number as a CSV cell is
        return int(raw) if raw == raw.to_integral_value() else float(raw)
    if isinstance(raw, float):
        if math.isnan(raw):
            return None  # a missing number in a Parquet file written by pandas
        if ftype.kind == "int" and raw.is_integer():
            return int(raw)  # Excel keeps every number as a float
    if isinstance(raw, dt.datetime):
        return raw.date() if ftype.kind in ("date", "date_list") else raw
    if isinstance(raw, tuple):
        return list(raw)
    if isinstance(raw, list) and ftype.kind == "date_list":
        return [v.date() if isinstance(v, dt.datetime) else v for v in raw]
    return raw


def row_document(row: Mapping[str, Any]) -> tuple[dict[str, Any], list[FactProblem]]:
    """A facts document from one row ``{fact path: cell}``, and the cells that were wrong."""
    catalogue = column_types()
    doc: dict[str, Any] = {}
    problems: list[FactProblem] = []
    for path, raw in row.items():
        ftype = catalogue[path]
        try:
            value = cell_value(raw, ftype, trimmed(path, ftype))
        except ValueError as exc:
            problems.append(FactProblem(path, str(exc)))
            continue
        if value is None:
            continue
        parts = path.split(".")
        node = doc
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    if "community" not in doc:  # one community a row: an empty id cell is its id missing
        doc["community"] = {}
    return doc, problems


_HAN = re.compile(r"[\u3400-\u9fff]")


def not_utf8_lines(name: str, lines: Iterable[bytes]) -> str | None:
    """What a table's text that is not UTF-8 is said to be: the line of its first byte that
    is not (the row a spreadsheet shows, unless a cell above holds a line break), the byte,
    and, where the line reads as GBK/GB18030 Chinese (what Chinese Excel saves as "CSV"),
    that it looks so. None where every line is UTF-8.

    Such a file is refused, not read as GBK: a guess of the encoding can be wrong without
    a sign (the same bytes read as other words), and a fact must be what the file says.
    """
    for number, line in enumerate(lines, start=1):
        try:  # a line at a time: a newline is never inside a UTF-8 sequence
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            byte = line[exc.start]
            try:
                gbk = _HAN.search(line.decode("gb18030")) is not None
            except UnicodeDecodeError:
                gbk = False
            if gbk:
                return (
                    f"{name}, line {number}: not UTF-8 text (byte 0x{byte:02x}); it looks like "
                    'GBK or GB18030, as Chinese Excel saves "CSV": save it as "CSV UTF-8"'
                )
            said = f"not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8"
            return f"{name}, line {number}: {said}"
    return None
