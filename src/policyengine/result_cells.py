"""The cells of a result table as written: CSV text safe to open in a spreadsheet, one
CSV dialect whatever wrote the rows, and the columns the packs declare, in their order.

* **Formulas.** A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@``
  (and some also one starting with a tab or a carriage return) as a formula. Every *text*
  cell of a CSV result table that starts with one of them is written with a single quote
  ``'`` before it (OWASP's advice for CSV injection): ``=HYPERLINK(…)`` is written
  ``'=HYPERLINK(…)``. Numbers are not text: a negative number stays a number. Parquet
  and JSON keep the text as it is (they are not opened as spreadsheets).
* **Dialect.** Every CSV result table the command line writes has one dialect, whatever
  path made its rows (RFC 4180, as Python's ``csv`` module writes by default): a cell is
  quoted only when it holds a comma, a ``"`` (doubled) or a line break; numbers as Arrow
  says them (``772``, ``0.5``, ``1e+20``), ``true``/``false``, an empty cell for null;
  lines end in ``\\n``. :func:`csv_bytes` writes Arrow tables so, a column at a time;
  :func:`csv_line` one row of Python values.
* **Columns.** The packs fix a result table's columns and their types
  (:func:`policyengine.distributed.result_schema`); :func:`arranged` puts a batch of rows
  in that order, every declared column present.
"""

from __future__ import annotations

import importlib
import math
import re
from collections.abc import Sequence
from typing import Any

__all__ = [
    "FORMULA_START",
    "arranged",
    "csv_bytes",
    "csv_line",
    "declared_type",
    "defused",
    "defused_column",
]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet read a cell as a formula."""

_FORMULA = r"^([=+\-@\t\r])"


def defused(text: str) -> str:
    """A text cell a spreadsheet will not run: ``'`` before a formula's first character."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _is_text(pa: Any, kind: Any) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def defused_column(pa: Any, column: Any) -> Any:
    """An Arrow column with every text cell :func:`defused` (other types as they are)."""
    pc = importlib.import_module("pyarrow.compute")

    kind = column.type
    if _is_text(pa, kind):
        return pc.replace_substring_regex(column, pattern=_FORMULA, replacement=r"'\1")
    if pa.types.is_dictionary(kind) and _is_text(pa, kind.value_type):
        chunks = [
            pa.DictionaryArray.from_arrays(
                chunk.indices,
                pc.replace_substring_regex(chunk.dictionary, pattern=_FORMULA, replacement=r"'\1"),
            )
            for chunk in column.chunks
        ]
        return pa.chunked_array(chunks, type=kind)
    return column


def arranged(pa: Any, table: Any, order: Sequence[str], declared: Any, csv: bool) -> Any:
    """``table`` with the columns ``order`` names, in that order: a column it lacks is
    null (for Parquet of the declared type, where ``declared``, an Arrow schema, has it;
    for CSV untyped: empty cells); for CSV, every text cell :func:`defused`."""
    have = set(table.column_names)
    n = table.num_rows
    names, columns = [], []
    for name in order:
        if name in have:
            column = table.column(name)
        else:
            kind = pa.null() if csv else declared_type(pa, declared, name)
            column = pa.chunked_array([pa.nulls(n, kind)])
        names.append(name)
        columns.append(defused_column(pa, column) if csv else column)
    return pa.Table.from_arrays(columns, names=names)


def declared_type(pa: Any, declared: Any, name: str) -> Any:
    """The type the packs declare for a column (null where they declare none)."""
    if declared is not None and name in declared.names:
        return declared.field(name).type
    return pa.null()


def _number(value: float) -> str:
    """A fraction as Arrow's CSV writer says it (shortest form, ``1e+20``, ``1.5e-7``)."""
    if math.isnan(value) or math.isinf(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return re.sub(r"e([+-])0*(\d)", r"e\1\2", repr(value))


_NEEDS_QUOTES = re.compile(r'[",\r\n]')


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if _NEEDS_QUOTES.search(text) else text


def _cell(value: Any, defuse: bool = True) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    return _quoted(defused(str(value)) if defuse else str(value))


def csv_line(values: Sequence[Any], header: bool = False) -> str:
    """One CSV line: a row's text cells :func:`defused`, a header's names as they are."""
    return ",".join(_cell(v, not header) for v in values) + "\n"


def csv_bytes(pa: Any, table: Any) -> bytes:
    """The CSV rows (no header) of an Arrow table whose text is :func:`defused` already,
    made by Arrow a column at a time: each cell as Arrow casts it to text, quoted only
    where it must be."""
    pc = importlib.import_module("pyarrow.compute")

    def word(text: str) -> Any:
        return pa.scalar(text, pa.large_string())

    quote, empty, comma, end = word('"'), word(""), word(","), word("\n")
    out = bytearray()
    for batch in table.to_batches():
        if batch.num_rows == 0:
            continue
        cells = []
        for column in batch.columns:
            text = pc.cast(column, pa.large_string())
            doubled = pc.replace_substring(text, pattern='"', replacement='""')
            quoted = pc.binary_join_element_wise(quote, doubled, quote, empty)
            needs = pc.match_substring_regex(text, pattern=r'[",\r\n]')
            cells.append(pc.fill_null(pc.if_else(needs, quoted, text), empty))
        lines = pc.binary_join_element_wise(*cells, comma)  # the separator comes last
        lines = pc.binary_join_element_wise(lines, end, empty)
        _, offsets, data = lines.buffers()
        ends = pa.Array.from_buffers(pa.int64(), len(lines) + 1, [None, offsets], lines.offset)
        out += memoryview(data)[ends[0].as_py() : ends[-1].as_py()]
    return bytes(out)
