"""Reading many communities at once: folders, JSON Lines, CSV, Excel and Parquet tables.

facts.md "Tables": one community a row, one column a fact path (``community.id``,
``happiness.objective_score``); an empty cell is a missing fact; a list is a JSON array in
its cell; booleans are ``true``/``false``; dates ISO. A column that is not a fact path is
an error naming the column, raised before any row is read. What a cell means is said in
:mod:`policyengine.table_values` (spaces, numbers, a text that is not UTF-8); an id given
twice in one table or folder is a bad record (:mod:`policyengine.seen_ids`). Of a
workbook, the first visible sheet is read.

Every source yields :class:`Record` objects one at a time (memory does not grow with the
number of rows). A record carries its position for messages: ``FILE, row N`` (for CSV
and Excel, the row number a spreadsheet shows, the header being row 1; for Parquet and
JSON Lines, the 1-based row or line), ``FILE[i]`` for an item of a JSON list, or the file
of a folder. Problems found while converting cells are carried in the record, so that
one bad row is reported with its field paths and the rest go on.

Excel needs ``openpyxl`` and Parquet ``pyarrow``: ``pip install 'community-policyengine[batch]'``.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

import attrs

from policyengine import json_input
from policyengine.documents import not_utf8, parse_document, read_stdin
from policyengine.exceptions import DocumentError, FactProblem, InputError
from policyengine.files import ODD_NAME, NotReadError, named, open_regular, read_found
from policyengine.seen_ids import SeenIds, id_of
from policyengine.table_values import (
    Uncomputed,
    column_types,
    not_utf8_lines,
    row_document,
    shown,
)

__all__ = [
    "FOLDER_SUFFIXES",
    "TABLE_SUFFIXES",
    "Record",
    "Uncomputed",
    "check_columns",
    "check_inflation",
    "choose_memory_pool",
    "column_types",
    "count_rows",
    "json_lines",
    "long_csv_cells",
    "not_utf8_table",
    "once_each",
    "open_parquet",
    "open_records",
    "parquet_batches",
    "records_of_arrow",
    "require",
    "row_document",
    "workbook_rows",
]

TABLE_SUFFIXES = (".csv", ".xlsx", ".parquet", ".jsonl")
"""File suffixes read as tables (one community a row or line)."""

FOLDER_SUFFIXES = (".toml", ".json")
"""The documents ``evaluate FOLDER`` reads in a folder (one subject a file)."""

_NAMED_COLUMNS = 10
"""Unknown columns a message names at most (the others are counted)."""


@attrs.frozen
class Record:
    """One document from an input: where it is, its data, and problems found reading it."""

    position: str
    data: Any
    base: Path | None = None
    problems: tuple[FactProblem, ...] = ()


def require(module: str, what: str) -> Any:
    """Import an optional dependency, or say which extra installs it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise InputError(
            f"{what} needs the optional package {module!r}: "
            "pip install 'community-policyengine[batch]'"
        ) from None


def choose_memory_pool() -> None:
    """Arrow's allocator for a process that is one run (the command line), unless
    ``ARROW_DEFAULT_MEMORY_POOL`` names one: jemalloc where pyarrow is built with it (Arrow
    configures it to give freed pages back at once), else the system's. Arrow reads the
    variable when it is loaded, so it is set only before pyarrow is imported.

    Arrow's default, mimalloc, keeps freed pages: on the national run (five packs, Parquet
    in and out) its peak RSS was 470-520 MiB at 100,000 rows; jemalloc's 390 MiB at
    100,000 and 400 at 600,000 rows, the system allocator's 350-380 and 406-420 (its heap
    fragments as the run goes on), for the same CPU time or less.
    """
    import importlib.util

    if "pyarrow" in sys.modules or os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    spec = importlib.util.find_spec("pyarrow")
    if spec is None or not spec.submodule_search_locations:
        return
    config = Path(spec.submodule_search_locations[0], "include", "arrow", "util", "config.h")
    try:  # the build's own settings: "#define ARROW_JEMALLOC" when jemalloc is in
        built = config.read_text(encoding="utf-8", errors="replace")
    except OSError:
        built = ""
    jemalloc = re.search(r"^#define ARROW_JEMALLOC$", built, re.MULTILINE) is not None
    os.environ["ARROW_DEFAULT_MEMORY_POOL"] = "jemalloc" if jemalloc else "system"


def check_columns(columns: Sequence[str], source: str) -> None:
    """Every column must be a community fact path; else an error naming the column."""
    catalogue = column_types()
    unknown = [c for c in columns if c not in catalogue]
    if unknown:  # each name as a cell is quoted: a 3 MB name is not a 3 MB message
        names = ", ".join(shown(c) for c in unknown[:_NAMED_COLUMNS])
        if len(unknown) > _NAMED_COLUMNS:
            names += f", … (+{len(unknown) - _NAMED_COLUMNS:,})"
        raise InputError(
            f"{source}: column {names} is not a fact path of the facts vocabulary "
            "(e.g. 'community.id', 'happiness.objective_score')"
        )
    seen: set[str] = set()
    for c in columns:
        if c in seen:
            raise InputError(f"{source}: column {shown(c)} appears twice")
        seen.add(c)
    if "community.id" not in catalogue or "community.id" not in columns:
        raise InputError(f"{source}: the column 'community.id' is required")


def _record(position: str, row: Mapping[str, Any]) -> Record:
    doc, problems = row_document(row)
    return Record(position, doc, None, tuple(problems))


def _check_regular(path: Path) -> None:
    """A DocumentError naming ``path`` if it is not a regular file (for the readers that
    open it by name themselves: Parquet)."""
    open_regular(path).close()


CSV_CELL_LIMIT = 2**31 - 1
"""Longest CSV cell read, in characters (the largest the csv module takes everywhere)."""


def long_csv_cells() -> None:
    """Let the csv module read cells up to :data:`CSV_CELL_LIMIT`: its own limit (131,072
    characters) refused a long cell as the whole file's error, where a cell's fact refuses
    it at its row and path (text longer than ``MAX_TEXT_BYTES``). The limit is the
    process's: it is only ever raised."""
    if csv.field_size_limit() < CSV_CELL_LIMIT:
        csv.field_size_limit(CSV_CELL_LIMIT)


def not_utf8_table(path: Path) -> DocumentError | None:
    """The error for a table file that is not UTF-8 (:func:`table_values.not_utf8_lines`),
    or None where it is."""
    with open_regular(path) as fh:
        said = not_utf8_lines(str(path), fh)
    return DocumentError(said) if said is not None else None


def _read_csv(path: Path) -> Iterator[Record]:
    try:
        yield from _csv_records(path)
    except UnicodeDecodeError:  # the file's own bytes, read again to name the line
        raise not_utf8_table(path) or DocumentError(f"{path}: not UTF-8 text") from None


def _csv_records(path: Path) -> Iterator[Record]:
    long_csv_cells()
    with io.TextIOWrapper(open_regular(path), encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise DocumentError(f"{path}: not a CSV file: {exc}") from None
        if header is None:
            return
        columns = [c.strip() for c in header]
        check_columns(columns, str(path))
        line = 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise DocumentError(f"{path}, row {line + 1}: not valid CSV: {exc}") from None
            line += 1
            if not any(cells):
                continue
            position = f"{path}, row {line}"
            if len(cells) != len(columns):
                problem = FactProblem(
                    "", f"has {len(cells)} cells where the header has {len(columns)} columns"
                )
                yield Record(position, {}, None, (problem,))
                continue
            yield _record(position, dict(zip(columns, cells, strict=True)))


XLSX_MAX_RATIO = 100
"""How many times larger than its compressed self a part of a workbook may inflate (real
sheets: 5-20 times): more, beyond :data:`XLSX_SMALL` bytes, is a compression bomb."""
XLSX_SMALL = 64 << 20
"""Inflated bytes a part may take whatever its ratio."""


def check_inflation(archive: Any, name: str) -> None:
    """A DocumentError naming a workbook's part (``archive``: a file or bytes) that inflates
    like a bomb (a 1.6 MB sheet of spaces is 1.6 GB once inflated, and took 3.4 GB to read)."""
    import zipfile

    try:
        with zipfile.ZipFile(archive) as zipped:
            for item in zipped.infolist():
                ratio = item.file_size / max(item.compress_size, 1)
                if item.file_size > XLSX_SMALL and ratio > XLSX_MAX_RATIO:
                    raise DocumentError(
                        f"{name}: not read: its part {item.filename} inflates to "
                        f"{item.file_size:,} bytes, {ratio:,.0f} times its compressed size "
                        "(a sheet saved by Excel is 5 to 20 times)"
                    )
    except zipfile.BadZipFile:
        return  # not a workbook: its reader says so


def _read_xlsx(path: Path) -> Iterator[Record]:
    openpyxl = require("openpyxl", "reading Excel (.xlsx)")
    with open_regular(path) as fh:  # the workbook reads the file through it
        check_inflation(fh, str(path))
        fh.seek(0)
        try:
            book = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise DocumentError(f"{path}: not an Excel workbook: {exc}") from None
        for number, cells, problem in workbook_rows(book, str(path)):
            position = f"{path}, row {number}"
            if problem is not None:
                yield Record(position, {}, None, (FactProblem("", problem),))
                continue
            yield _record(position, cells)


def workbook_rows(book: Any, name: str) -> Iterator[tuple[int, dict[str, Any], str | None]]:
    """``(row number, {column: cell}, problem)`` of the first sheet's rows that are not
    blank, the header's columns checked as fact paths; the workbook is closed at the end.
    ``problem``: why the row cannot be read (a value in a column with no header, as a CSV
    row with more cells than its header), else None.

    ``book``: read only, with the values Excel computed (``data_only``); a formula with no
    value computed is an :class:`Uncomputed` cell, not an empty one. Every row of the sheet
    is read: the size the file records (``<dimension>``) is not trusted, as Excel does not
    trust it (some writers record ``A1``, or a size from before rows were added).
    """
    formulas = None
    try:
        sheet = _first_visible(book)
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # read to the last row and column the sheet holds
        rows = _damaged_as(name, "not an Excel workbook", sheet.iter_rows(values_only=True))
        header = next(rows, None)
        if header is None:
            return
        columns = ["" if c is None else str(c).strip() for c in header]
        while columns and columns[-1] == "":
            columns.pop()
        check_columns(columns, name)
        catalogue = column_types()
        texts = [k for k, c in enumerate(columns) if catalogue[c].kind == "text"]
        formulas = _damaged_as(name, "not an Excel workbook", _uncomputed(sheet))  # as rows
        ahead = next(formulas, None)
        for number, cells in enumerate(rows, start=2):
            values = list(cells[: len(columns)])
            values += [None] * (len(columns) - len(values))
            beyond = [v for v in cells[len(columns) :] if v is not None and v != ""]
            if beyond:  # a value under no header: not dropped in silence
                width = len(columns) + len(cells[len(columns) :])
                said = f"has {width} cells where the header has {len(columns)} columns"
                yield number, {}, said
                continue
            while ahead is not None and ahead[0] < number:
                ahead = next(formulas, None)
            if ahead is not None and ahead[0] == number:
                for k, formula in ahead[1].items():
                    if k < len(values) and values[k] is None:
                        values[k] = formula
            if all(v is None or v == "" for v in values):
                continue
            for k in texts:  # 1001 typed in Excel is the text 1001, as in a CSV cell
                values[k] = _digits(values[k])
            yield number, dict(zip(columns, values, strict=True)), None
    finally:
        if formulas is not None:
            formulas.close()
        book.close()


def _first_visible(book: Any) -> Any:
    """The workbook's first sheet that is shown (a hidden sheet holds a workbook's helper
    data, not the table a person sees on opening it); the first sheet if none is."""
    for sheet in book.worksheets:
        if getattr(sheet, "sheet_state", "visible") == "visible":
            return sheet
    return book.worksheets[0]


def _digits(value: Any) -> Any:
    """A whole number in a text column as its digits (Excel keeps 1001 as 1001.0)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


_SHEET = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _uncomputed(sheet: Any) -> Generator[tuple[int, dict[int, Uncomputed]], None, None]:
    """``(row number, {column index from 0: cell})`` of the rows of a read-only worksheet
    that have formula cells holding no computed value, in order, read from the sheet's XML
    as it is needed: a ``<c>`` with an ``<f>`` and no ``<v>``, or an empty one (openpyxl
    writes ``<v></v>``) where the cell is not text (Excel writes ``t="str"`` and
    ``<v></v>`` for a formula whose value is empty text: that cell stays empty). Rows and
    cells are counted as openpyxl counts them."""
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.xml.functions import iterparse  # defusedxml's where installed

    number = 0
    get_source = getattr(sheet, "_get_source", None)  # openpyxl's own, read-only sheets
    if get_source is None:  # another openpyxl: such cells read as empty, as before
        return
    with get_source() as source:  # the sheet's XML, as openpyxl opens it
        for _, element in iterparse(source):
            if element.tag != f"{_SHEET}row":
                continue
            number = int(element.get("r", number + 1))
            found: dict[int, Uncomputed] = {}
            column = 0
            for cell in element:
                at = cell.get("r")
                column = coordinate_to_tuple(at)[1] if at else column + 1
                formula = cell.find(f"{_SHEET}f")
                empty = not cell.findtext(f"{_SHEET}v") and cell.get("t") != "str"
                if formula is not None and empty:
                    found[column - 1] = Uncomputed(formula.text or "")
            element.clear()
            if found:
                yield number, found


def open_parquet(path: Path) -> Any:
    """A ``pyarrow.parquet.ParquetFile``, or a DocumentError saying the file is not one."""
    pq = require("pyarrow.parquet", "reading Parquet")
    _check_regular(path)
    try:
        return pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, …
        raise DocumentError(f"{path}: not a Parquet file: {exc}") from None


def parquet_batches(path: Path, batches: Iterator[Any]) -> Iterator[Any]:
    """The record batches of a Parquet file; a page that cannot be read (a damaged file
    whose footer is whole) is a DocumentError saying the file is not Parquet."""
    return _damaged_as(str(path), "not a Parquet file", batches)


def _damaged_as(name: str, what: str, items: Iterator[Any]) -> Generator[Any, None, None]:
    """``items`` as read from a file; an error of the reader (a damaged page or sheet) is a
    DocumentError naming the file, ``what`` it is not and the reader's words."""
    while True:
        try:
            item = next(items, None)
        except Exception as exc:  # pyarrow and openpyxl raise many kinds
            raise DocumentError(f"{name}: {what}: {exc}") from None
        if item is None:
            return
        yield item


def _read_parquet(path: Path) -> Iterator[Record]:
    pf = open_parquet(path)
    columns = list(pf.schema_arrow.names)
    check_columns(columns, str(path))
    number = 0
    for batch in parquet_batches(path, pf.iter_batches(batch_size=4096)):
        for row in batch.to_pylist():
            number += 1
            yield _record(f"{path}, row {number}", row)


def records_of_arrow(batches: Iterable[Any], source: str = "table") -> Iterator[Record]:
    """Records from Arrow record batches (or tables) whose columns are fact paths."""
    number = 0
    checked = False
    for batch in batches:
        if not checked:
            check_columns(list(batch.schema.names), source)
            checked = True
        for row in batch.to_pylist():
            number += 1
            yield _record(f"{source}, row {number}", row)


def _read_jsonl(path: Path) -> Iterator[Record]:
    with io.TextIOWrapper(open_regular(path), encoding="utf-8-sig") as fh:
        try:
            for number, data, problem in json_lines(fh):
                position = f"{path}, line {number}"
                if problem is not None:
                    yield Record(position, {}, None, (FactProblem("", problem),))
                else:
                    yield Record(position, data, path.parent)
        except UnicodeDecodeError as exc:  # reading a line
            raise _not_utf8(path, exc) from None


def json_lines(lines: Iterable[str]) -> Iterator[tuple[int, Any, str | None]]:
    """``(line number, document, problem)`` of each line of JSON Lines that is not blank:
    the line's document, or (``None``, why it is not JSON)."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, json_input.loads(line), None
        except ValueError as exc:
            yield number, None, f"not valid JSON: {exc}"


def _not_utf8(path: Path, exc: UnicodeDecodeError) -> DocumentError:
    """The error for a text file that is not UTF-8, naming its first byte that is not, by
    its position in the file (as :func:`documents.parse_document` names it in a document):
    the decoder's own position counts from the block it was decoding."""
    bad, at = exc.object[exc.start], exc.start
    with open_regular(path) as fh:
        offset = 0
        for raw in fh:  # a line at a time: a newline is never inside a UTF-8 sequence
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as found:
                bad, at = raw[found.start], offset + found.start
                break
            offset += len(raw)
    return DocumentError(f"{path}: {not_utf8(bad, at)}")


def _read_document(
    path: Path, text: str | bytes, label: str, base: Path | None
) -> Iterator[Record]:
    """The records of a document's ``text`` (``base``: the folder its includes are relative
    to; None for standard input)."""
    data = parse_document(path, text)
    if isinstance(data, list):
        for i, item in enumerate(data):
            yield Record(f"{label}[{i}]", item, base)
    else:
        yield Record(label, data, base)


def _read_folder(path: Path) -> Iterator[Record]:
    """The documents directly in a folder (``*.toml``, ``*.json``); each entry with such a
    suffix that is not read (a link leading outside, a link loop, not a regular file, too
    large) is a record naming it and why."""
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in FOLDER_SUFFIXES)
    for file in files:
        if not file.name.isprintable():  # its name would forge a line of the messages
            yield Record(named(file), {}, None, (FactProblem("", ODD_NAME),))
            continue
        try:
            data = read_found(file, path)
        except NotReadError as exc:
            yield Record(str(file), {}, None, (FactProblem("", exc.why),))
            continue
        try:
            yield from _read_document(file, data, str(file), file.parent)
        except DocumentError as exc:
            said = str(exc).removeprefix(f"{file}: ")
            yield Record(str(file), {}, None, (FactProblem("", said),))


def open_records(names: Sequence[str], stdin: TextIO | None = None) -> Iterator[Record]:
    """Every record of FACTS, one at a time: documents, folders and tables.

    Each table's columns are checked when it is opened: before its first row is read. In
    one table, or one folder, a community (or jurisdiction) id given again is a problem of
    the record that gives it again (:class:`policyengine.seen_ids.SeenIds`): it is not
    counted twice. So is one given again in another input (a file named twice, two
    exports that overlap).
    """
    tables = [Path(n) for n in names if Path(n).suffix.lower() in TABLE_SUFFIXES[:3]]
    for table in tables:  # every header is checked before any row is evaluated
        _check_header(table)
    seen = SeenIds()  # over every input: a file given twice counts its communities once
    for name in names:
        if not name:  # "$FILE" unset: not the current folder, read whole (Path("") is ".")
            raise DocumentError("'': cannot read the file: No such file or directory")
        if name == "-":
            text = read_stdin(stdin if stdin is not None else sys.stdin)
            yield from once_each(_read_document(Path("<stdin>.json"), text, "<stdin>", None), seen)
        else:
            yield from once_each(_read_input(Path(name)), seen)


def once_each(records: Iterator[Record], seen: SeenIds) -> Iterator[Record]:
    """The records of the inputs, an id given again said to be so at its record."""
    for record in records:
        found = id_of(record.data)
        problem = seen.problem(*found, record.position) if found is not None else None
        if problem is not None:
            record = attrs.evolve(record, problems=(*record.problems, problem))
        yield record


def _read_input(path: Path) -> Iterator[Record]:
    suffix = path.suffix.lower()
    if path.is_dir():
        yield from _read_folder(path)
    elif suffix == ".csv":
        yield from _read_csv(path)
    elif suffix == ".xlsx":
        yield from _read_xlsx(path)
    elif suffix == ".parquet":
        yield from _read_parquet(path)
    elif suffix == ".jsonl":
        yield from _read_jsonl(path)
    else:
        with open_regular(path) as fh:  # never a device or a FIFO
            data = fh.read()
        yield from _read_document(path, data, str(path), path.parent)


def _check_header(path: Path) -> None:
    """Read only the header of a table, to check its columns."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        pq = require("pyarrow.parquet", "reading Parquet")
        _check_regular(path)
        try:
            names = list(pq.read_schema(path).names)
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, …
            raise DocumentError(f"{path}: not a Parquet file: {exc}") from None
        check_columns(names, str(path))
    elif suffix == ".csv":
        next(iter(_read_csv(path)), None)
    elif suffix == ".xlsx":
        next(iter(_read_xlsx(path)), None)


def count_rows(names: Sequence[str]) -> int | None:
    """The number of rows, when it is known without reading them (Parquet only; not for
    a file that is not Parquet, which its reader reports)."""
    total = 0
    for name in names:
        path = Path(name)
        if path.suffix.lower() != ".parquet":
            return None
        try:
            total += int(open_parquet(path).metadata.num_rows)
        except DocumentError:
            return None
    return total
