"""CSV and Parquet tables to result rows without a Python object per community.

Batches of rows are read by Arrow, screened into columns (:mod:`.screen`), evaluated by
the columnar backend for each pack, and turned into the table rows of results.md in the
order of the input, each row's packs in the order given. Doubtful rows are read by the
book; bad ones are reported through ``report(position, problems)`` and left out.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from policyengine.columnar.arrays import arrow_array
from policyengine.columnar.backend import evaluate_columns
from policyengine.columnar.columns import FactColumns
from policyengine.columnar.result import VERDICTS
from policyengine.columnar.screen import screen
from policyengine.documents import structure_subject
from policyengine.exceptions import DocumentError, FactProblem, FactsError
from policyengine.facts import Community
from policyengine.pack import Pack
from policyengine.plan import plan_for
from policyengine.seen_ids import SeenIds
from policyengine.sinks import concat_results
from policyengine.tables import (
    check_columns,
    long_csv_cells,
    not_utf8_table,
    open_parquet,
    parquet_batches,
    require,
    row_document,
)

__all__ = ["BATCH_ROWS", "BatchResult", "batch_results", "fast_tables", "table_rows"]

BATCH_ROWS = 16384
"""Rows read and evaluated together (memory is bounded by this, not by the table). A
batch's results for five packs are about 3 KiB a row, held while they are interleaved and
spooled: on the national run, batches of 65,536 rows peaked some 400 MiB higher than
16,384 and took no less CPU time (a Parquet row group of 65,536 rows is read in four)."""

CSV_BLOCK_BYTES = 1 << 22
"""Bytes of CSV text read at a time: some 10,000 rows of a few dozen facts."""

Report = Callable[[str, Sequence[FactProblem]], None]


def fast_tables(names: Sequence[str]) -> bool:
    """Whether every input is a CSV or Parquet file (the inputs this reader takes)."""
    return bool(names) and all(
        Path(n).suffix.lower() in (".csv", ".parquet") and Path(n).is_file() for n in names
    )


def _csv_batches(path: Path, report: Report) -> Iterator[tuple[Any, Callable[[int], int]]]:
    """``(record batch of text cells, the row number of its row j)`` (the header is row 1)."""
    pa = require("pyarrow", "reading CSV")
    pacsv = require("pyarrow.csv", "reading CSV")
    long_csv_cells()
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), None)
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
    except (OSError, csv.Error) as exc:
        raise DocumentError(f"{path}: cannot read the file as CSV in UTF-8: {exc}") from None
    if header is None:
        return
    columns = [c.strip() for c in header]
    check_columns(columns, str(path))
    bad_rows: list[Any] = []

    def invalid(row: Any) -> str:
        bad_rows.append(row)
        return "skip"

    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(
                column_names=columns, skip_rows=1, block_size=CSV_BLOCK_BYTES
            ),
            parse_options=pacsv.ParseOptions(invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(  # text cells; an empty one is missing
                column_types={c: pa.string() for c in columns},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
        numbers = CsvRowNumbers(path, len(columns))
        read = 0
        for batch, bad in _read_ahead(reader, bad_rows):
            for row in bad:
                if _blank(row.text):  # only separators: a blank row, skipped as the row path does
                    continue
                cells = (
                    f"has {row.actual_columns} cells where the header has {len(columns)} columns"
                )
                report(f"{path}, row {numbers.of_bad(row.text)}", [FactProblem("", cells)])
            if batch is not None:
                yield batch, numbers.batch(read)
                read += batch.num_rows
    except pa.ArrowInvalid as exc:
        if "Could not skip initial" in str(exc) and _one_line(path):  # a header alone
            raise DocumentError(
                f"{path}: the table holds no community (no row below its header)"
            ) from None
        if "UTF8" in str(exc) or "UTF-8" in str(exc):  # Arrow's words: the line named
            raise _not_utf8(path) from None
        raise DocumentError(f"{path}: not valid CSV in UTF-8: {exc}") from None


def _not_utf8(path: Path) -> DocumentError:
    """The error for a CSV file that is not UTF-8: the line, the byte, GBK recognised."""
    return not_utf8_table(path) or DocumentError(f"{path}: not UTF-8 text")


def _one_line(path: Path) -> bool:
    """Whether a file holds no line break in its first MiB (a header and nothing else)."""
    with path.open("rb") as fh:
        return b"\n" not in fh.read(1 << 20)


def _blank(text: str | None) -> bool:
    """Whether a CSV row's text holds no value (``,,`` or nothing)."""
    return not any(next(csv.reader([text or ""]), []))


class CsvRowNumbers:
    """Row numbers of a CSV file's rows as the row path counts them: the header is row 1 and
    every record counts, blank ones too.

    Arrow's reader skips blank lines and rows of the wrong width, so counting the rows it
    gives is exact only without them; the numbers are read from the file again with the csv
    module, once, the first time a row must be named (a problem to report).
    """

    def __init__(self, path: Path, width: int) -> None:
        self.path = path
        self.width = width
        self._rows: list[int] | None = None
        self._bad: dict[str, collections.deque[int]] = {}
        self._bad_order: collections.deque[int] = collections.deque()

    def batch(self, before: int) -> Callable[[int], int]:
        """The number of a batch's row ``j``, the batch coming after ``before`` rows."""
        return lambda j: self.of_row(before + j)

    def of_row(self, index: int) -> int:
        """The number of the ``index``-th row Arrow gave (from 0)."""
        rows = self._scan()
        return rows[index] if index < len(rows) else index + 2

    def of_bad(self, text: str | None) -> int | str:
        """The number of a row of the wrong width, found by its text."""
        self._scan()
        found = self._bad.get(text or "")
        if found:
            number = found.popleft()
            self._bad_order.remove(number)
            return number
        return self._bad_order.popleft() if self._bad_order else "?"

    def _scan(self) -> list[int]:
        if self._rows is not None:
            return self._rows
        rows: list[int] = []
        lines: list[str] = []

        def source(fh: Any) -> Iterator[str]:
            for line in fh:
                lines.append(line)
                yield line

        with self.path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(source(fh))
            next(reader, None)
            number = 1
            for cells in reader:
                number += 1
                text = "".join(lines).rstrip("\r\n")
                lines.clear()
                if not cells:  # an empty line: Arrow skips it
                    continue
                if len(cells) == self.width:
                    rows.append(number)  # a row of Arrow's (a blank one is skipped later)
                elif any(cells):  # refused by Arrow and named (a blank one is not)
                    self._bad.setdefault(text, collections.deque()).append(number)
                    self._bad_order.append(number)
        self._rows = rows
        return rows


def _read_ahead(reader: Any, bad_rows: list[Any]) -> Iterator[tuple[Any, list[Any]]]:
    """The reader's batches, each with the bad rows met while reading it, read one batch
    ahead by a thread: Arrow reads without holding the interpreter, so on two cores the
    next batch is read while this one is evaluated. The reading thread stops when the
    caller does; an error is raised where the caller would have met it."""
    found: queue.Queue[tuple[str, Any, list[Any]]] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def offer(item: tuple[str, Any, list[Any]]) -> bool:
        while not stop.is_set():
            try:
                found.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for batch in reader:
                met = bad_rows[:]
                bad_rows.clear()
                if not offer(("batch", batch, met)):
                    return
            offer(("end", None, bad_rows[:]))  # rows refused after the last batch
        except BaseException as exc:  # raised in the caller's thread
            offer(("error", exc, []))

    thread = threading.Thread(target=read, name="policyengine-read", daemon=True)
    thread.start()
    try:
        while True:
            kind, item, met = found.get()
            if kind == "error":
                raise item
            if kind == "end":
                if met:
                    yield None, met
                return
            yield item, met
    finally:
        stop.set()
        thread.join()


def _parquet_batches(path: Path) -> Iterator[tuple[Any, Callable[[int], int]]]:
    pf = open_parquet(path)
    check_columns(list(pf.schema_arrow.names), str(path))
    first = 1
    # one row group at a time: a reader over the whole file keeps buffers of the row groups
    # it has read, so its memory grew with the number of rows
    for group in range(pf.num_row_groups):
        batches = pf.iter_batches(batch_size=BATCH_ROWS, row_groups=[group])
        for batch in parquet_batches(path, batches):
            yield batch, _counted_from(first)
            first += batch.num_rows


def _counted_from(first: int) -> Callable[[int], int]:
    """Row numbers counted from ``first`` (a table whose every row is a record)."""
    return lambda j: first + j


@attrs.frozen(eq=False)
class BatchResult:
    """One batch's result rows (an Arrow table, input order) and verdicts counted by pack."""

    table: Any
    counts: dict[str, collections.Counter[str]]
    subjects: int


def table_rows(
    names: Sequence[str],
    packs: Sequence[Pack],
    dates: Mapping[str, dt.date | None],
    report: Report,
    progress: Callable[[int], None] | None = None,
    dictionaries: bool = False,
) -> Iterator[BatchResult]:
    """Result rows of each batch of each table, in input order (``dictionaries``: text
    columns of few distinct values dictionary-encoded, as :meth:`.ColumnarResult.to_arrow`
    gives them for CSV)."""
    paths = list(dict.fromkeys(p for pack in packs for p in plan_for(pack).read_paths))
    seen = SeenIds()  # an id given again, in a table or another, is a bad row (as rows say)
    for name in names:
        path = Path(name)
        is_csv = path.suffix.lower() == ".csv"
        batches = _csv_batches(path, report) if is_csv else _parquet_batches(path)
        for batch, number in batches:
            yield _batch_rows(
                batch, number, str(path), is_csv, paths, packs, dates, report, dictionaries, seen
            )
            if progress is not None:
                progress(batch.num_rows)


def batch_results(
    batch: Any,
    first: int,
    source: str,
    packs: Sequence[Pack],
    dates: Mapping[str, dt.date | None],
    report: Report,
    seen: SeenIds | None = None,
) -> BatchResult:
    """The results of one record batch of facts (columns are fact paths; rows from ``first``;
    ``seen``: the ids of the batches before, an id given again a bad row)."""
    paths = list(dict.fromkeys(p for pack in packs for p in plan_for(pack).read_paths))
    counted = _counted_from(first)
    return _batch_rows(batch, counted, source, False, paths, packs, dates, report, False, seen)


def _batch_rows(
    batch: Any,
    number: Callable[[int], int],
    source: str,
    is_csv: bool,
    paths: Sequence[str],
    packs: Sequence[Pack],
    dates: Mapping[str, dt.date | None],
    report: Report,
    dictionaries: bool = False,
    seen: SeenIds | None = None,
) -> BatchResult:
    pa = require("pyarrow", "reading tables")
    twice = _given_twice(batch, number, source, seen) if seen is not None else {}
    again = None
    if twice:
        again = np.zeros(batch.num_rows, dtype=bool)
        again[list(twice)] = True
    s = screen(batch, paths, skip_blank=is_csv, by_book=again)
    checked: list[Community] = []
    at: list[int] = []
    if len(s.doubtful):
        rows = batch.take(arrow_array(s.doubtful)).to_pylist()
        for j, row in zip(s.doubtful.tolist(), rows, strict=True):
            doc, problems = row_document(row)
            if j in twice:  # after the cells' problems, as the row path says them
                problems.append(twice[j])
            community = None
            try:
                subject = structure_subject(doc)
                community = subject if isinstance(subject, Community) else None
            except FactsError as exc:
                problems.extend(exc.problems)
            if problems or community is None:
                report(f"{source}, row {number(j)}", problems)
                continue
            checked.append(community)
            at.append(j)
    order = np.argsort(np.concatenate([s.rows, np.array(at, dtype=np.int64)]), kind="stable")
    m = len(order)
    by_book = FactColumns.from_subjects(checked, paths) if checked else None
    tables = []
    counts: dict[str, collections.Counter[str]] = {}
    for pack in packs:
        date = dates.get(pack.id) or dt.date.today()
        parts = [evaluate_columns(pack, s.columns, date)]
        if by_book is not None:
            parts.append(evaluate_columns(pack, by_book, date))
        tallies = sum(np.bincount(r.verdicts, minlength=len(VERDICTS)) for r in parts)
        counts[pack.id] = collections.Counter(
            {v: int(c) for v, c in zip(VERDICTS, np.asarray(tallies).tolist(), strict=True)}
        )
        table = concat_results(pa, [r.to_arrow(dictionaries) for r in parts])
        tables.append(table.take(arrow_array(order)) if at else table)  # else in order already
        del table, parts
    if len(tables) == 1:
        return BatchResult(tables[0], counts, m)
    # row k of pack p is at k + p * m: each subject's packs together, in the order given
    interleaved = (np.arange(m)[:, None] + m * np.arange(len(tables))[None, :]).reshape(-1)
    return BatchResult(_taken(pa, tables, arrow_array(interleaved, kind=pa.int64())), counts, m)


def _given_twice(
    batch: Any, number: Callable[[int], int], source: str, seen: SeenIds
) -> dict[int, FactProblem]:
    """The rows of a batch whose ``community.id`` was given before in this table, each with
    its problem; the others' ids are remembered. An id is the cell's text without its
    surrounding spaces, as the row path reads it."""
    idents = [
        c.strip() if isinstance(c, str) and c.strip() else None
        for c in batch.column("community.id").to_pylist()
    ]
    return seen.problems_in("community", idents, seen.batch(source, number))


def _taken(pa: Any, tables: list[Any], rows: Any) -> Any:
    """The packs' tables as one (:func:`concat_results`), its ``rows`` taken in that order,
    a column at a time: each column of the whole is let go once taken, so that the whole
    and its interleaved copy are not both held in full (``tables`` is emptied)."""
    whole = concat_results(pa, tables)
    tables.clear()
    schema = whole.schema
    columns = []
    while whole.num_columns:
        columns.append(whole.column(0).take(rows))
        whole = whole.remove_column(0)
    return pa.Table.from_arrays(columns, schema=schema)
