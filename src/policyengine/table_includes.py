"""A jurisdiction's ``include`` of a table: one community a row, read from bytes already read.

``communities = [{include = "communities.parquet"}]`` (facts.md "Jurisdiction document",
``include = ["glob", …]``) names community documents *or* tables: a matched file ending in
``.csv``, ``.xlsx``, ``.parquet`` or ``.jsonl`` is read as a table exactly as
``policyengine evaluate`` reads one (facts.md "Tables": one column a fact path, an empty
cell a missing fact). The bytes come from :func:`policyengine.includes.included`, so the
confinement of includes applies unchanged (the document's folder, links, the byte budget),
and the file is never opened again by name. A problem names the table file, the row (as a
spreadsheet shows it: the header is row 1) and the field path.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from policyengine.documents import not_utf8, read_tables_with
from policyengine.exceptions import DocumentError, FactProblem, InputError
from policyengine.includes import IncludeBudget
from policyengine.limits import MAX_INCLUDE_BYTES, MAX_INCLUDE_ROWS
from policyengine.table_values import not_utf8_lines
from policyengine.tables import (
    TABLE_SUFFIXES,
    check_columns,
    check_inflation,
    json_lines,
    long_csv_cells,
    require,
    row_document,
    workbook_rows,
)

__all__ = ["included_table", "is_table", "table_rows"]

Row = tuple[str, Any, list[FactProblem]]
"""``(prefix of field paths, community document or typed community, problems of its
cells)``: rows the columnar screen vouches for come typed (:mod:`policyengine.columnar.
communities`), the others as documents for the converter."""


def is_table(file: Path) -> bool:
    """Whether an included file is read as a table (by its suffix)."""
    return file.suffix.lower() in TABLE_SUFFIXES


class _TableError(Exception):
    """The table as a whole cannot be read (its header, its format)."""


class _NamedError(_TableError):
    """A :class:`_TableError` whose words name the table themselves."""


def table_rows(
    file: Path,
    data: bytes,
    where: str,
    problems: list[FactProblem],
    budget: IncludeBudget | None = None,
) -> Iterator[Row]:
    """The rows of an included table as community documents, each with its position.

    A problem with the whole table (not a table, a column that is not a fact path, no row,
    too many rows) is added to ``problems`` under ``where`` (the include's path). With the
    document's ``budget``, the rows of every table it includes count together, and so does
    the text a Parquet file's cells hold once read (a compressed file can hold far more).
    """
    budget = budget or IncludeBudget()
    suffix = file.suffix.lower()
    reader = {".csv": _csv, ".jsonl": _jsonl, ".parquet": _parquet, ".xlsx": _xlsx}[suffix]
    count = 0
    try:
        for row in reader(file, data, budget):
            count += 1
            budget.rows += 1
            if budget.rows > MAX_INCLUDE_ROWS:
                problems.append(
                    FactProblem(
                        where,
                        f"{file}: the included tables hold more than {MAX_INCLUDE_ROWS:,} "
                        "rows together",
                    )
                )
                return
            yield row
    except _TableError as exc:
        said = str(exc) if isinstance(exc, _NamedError) else f"{file}: {exc}"
        problems.append(FactProblem(where, said))
        return
    except InputError as exc:  # a bad column, or the [batch] extra missing
        problems.append(FactProblem(where, str(exc)))
        return
    if count == 0:
        problems.append(
            FactProblem(where, f"{file}: the table holds no community (no row below its header)")
        )


def _row(file: Path, label: str, cells: dict[str, Any]) -> Row:
    prefix = f"{file}, {label}: "
    doc, found = row_document(cells)
    return prefix, doc, [FactProblem(f"{prefix}{p.path}", p.message) for p in found]


def _text(file: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:  # the line named, and GBK recognised
        said = not_utf8_lines(str(file), io.BytesIO(data))
        if said is None:
            raise _TableError(not_utf8(data[exc.start], exc.start)) from None
        raise _NamedError(said) from None


def _csv(file: Path, data: bytes, budget: IncludeBudget) -> Iterator[Row]:
    long_csv_cells()
    reader = csv.reader(io.StringIO(_text(file, data), newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise _TableError(f"not valid CSV: {exc}") from None
    if header is None:
        return
    columns = [c.strip() for c in header]
    check_columns(columns, str(file))
    lines: list[int] = []
    rows: list[list[str]] = []
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise _TableError(f"row {line + 1}: not valid CSV: {exc}") from None
        line += 1
        if any(cells):
            lines.append(line)
            rows.append(cells)
    built = _built(columns, rows)
    for j, (number, cells) in enumerate(zip(lines, rows, strict=True)):
        prefix = f"{file}, row {number}: "
        if len(cells) != len(columns):
            problem = FactProblem(
                prefix.removesuffix(": "),
                f"has {len(cells)} cells where the header has {len(columns)} columns",
            )
            yield prefix, {}, [problem]
        elif built is not None and built[j] is not None:
            yield prefix, built[j], []
        else:
            yield _row(file, f"row {number}", dict(zip(columns, cells, strict=True)))


def _built(columns: list[str], rows: list[list[str]]) -> list[Any] | None:
    """Typed communities of the rows the columnar screen vouches for (None: by the book)."""
    try:
        from policyengine.columnar.communities import communities_of
    except ImportError:  # without the [batch] extra: every row by the book
        return None
    pa = require("pyarrow", "including a CSV table")
    width = len(columns)
    good = [r if len(r) == width else [""] * width for r in rows]
    batch = pa.RecordBatch.from_pydict(
        {c: pa.array([r[k] for r in good], pa.string()) for k, c in enumerate(columns)}
    )
    out: list[Any] = communities_of(batch)
    return out


def _jsonl(file: Path, data: bytes, budget: IncludeBudget) -> Iterator[Row]:
    for number, doc, problem in json_lines(_text(file, data).splitlines()):
        prefix = f"{file}, line {number}: "
        if problem is not None:
            yield prefix, {}, [FactProblem(prefix.removesuffix(": "), problem)]
        else:
            yield prefix, doc, []


def _parquet(file: Path, data: bytes, budget: IncludeBudget) -> Iterator[Row]:
    pa = require("pyarrow", "including a Parquet table")
    pq = require("pyarrow.parquet", "including a Parquet table")
    try:
        pf = pq.ParquetFile(pa.BufferReader(data))
        batches = pf.iter_batches(batch_size=4096)
        columns = list(pf.schema_arrow.names)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, …
        raise _TableError(f"not a Parquet file: {exc}") from None
    check_columns(columns, str(file))
    try:
        from policyengine.columnar.communities import communities_of
    except ImportError:  # numpy missing: every row by the book
        communities_of = None  # type: ignore[assignment]
    number = 0
    while True:
        try:
            batch = next(batches, None)
        except Exception as exc:  # a damaged row group
            raise _TableError(f"not a Parquet file: {exc}") from None
        if batch is None:
            return
        budget.bytes += _text_bytes(batch)
        if budget.bytes > MAX_INCLUDE_BYTES:
            raise _TableError(
                f"the included files hold more than {MAX_INCLUDE_BYTES:,} bytes together, "
                "as read (the text of this table's cells counted once a row)"
            )
        built = communities_of(batch) if communities_of is not None else [None] * batch.num_rows
        for j, community in enumerate(built):
            number += 1
            if community is not None:
                yield f"{file}, row {number}: ", community, []
            else:
                yield _row(file, f"row {number}", batch.slice(j, 1).to_pylist()[0])


def _text_bytes(batch: Any) -> int:
    """The bytes of the text and binary cells of a record batch as its rows will hold them:
    a dictionary-encoded value counted once for every row that holds it."""
    pa = require("pyarrow", "including a Parquet table")
    pc = require("pyarrow.compute", "including a Parquet table")
    total = 0
    for column in batch.columns:
        kind = column.type
        if pa.types.is_dictionary(kind):
            lengths = pc.binary_length(column.dictionary) if _texty(pa, kind.value_type) else None
            if lengths is not None:
                total += pc.sum(pc.take(lengths, column.indices)).as_py() or 0
        elif _texty(pa, kind):
            total += pc.sum(pc.binary_length(column)).as_py() or 0
    return int(total)


def _texty(pa: Any, kind: Any) -> bool:
    return bool(
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
    )


def _xlsx(file: Path, data: bytes, budget: IncludeBudget) -> Iterator[Row]:
    openpyxl = require("openpyxl", "including an Excel table (.xlsx)")
    try:
        check_inflation(io.BytesIO(data), str(file))
    except DocumentError as exc:
        raise _TableError(str(exc).removeprefix(f"{file}: ")) from None
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise _TableError(f"not an Excel workbook: {exc}") from None
    for number, cells, problem in workbook_rows(book, str(file)):
        if problem is not None:
            yield f"{file}, row {number}: ", {}, [FactProblem(f"{file}, row {number}", problem)]
            continue
        yield _row(file, f"row {number}", cells)


def included_table(
    file: Path, data: bytes, where: str, problems: list[FactProblem], budget: IncludeBudget
) -> Iterator[Row] | None:
    """The rows of an included file that is a table; None for a community document."""
    return table_rows(file, data, where, problems, budget) if is_table(file) else None


read_tables_with(included_table)
