"""Writing results as they come: JSON Lines, a JSON array, CSV and Parquet.

results.md "Tables in and out": ``--format jsonl`` writes one result JSON a line;
``json`` an array (one object when there is exactly one result, as before); ``csv`` and
``parquet`` one row per subject × pack with the columns ``subject_id``, ``pack``,
``pack_version``, ``digest``, ``as_of``, ``verdict``, ``outputs.<key>`` for every output
(scalars as they are, lists and tables JSON-encoded) and ``rules.<rule id>`` holding each
rule's outcome; with gaps asked for (``--gaps``), ``gaps`` holding the result's gaps as
JSON. A jurisdiction gives its own row followed by one per community.

Memory does not grow with the number of results: JSON is written at once; CSV and
Parquet rows go to a temporary spool on disk and are copied into the table, a batch at a
time, when the sink is closed. The columns are those the packs declare, in the packs'
order and (Parquet) of the types they fix, whatever the rows hold; CSV has one dialect
whichever path made the rows, its text cells safe to open in a spreadsheet
(:mod:`policyengine.result_cells`). The other formats (``table``, ``markdown``, ``html``,
a plugin's) are reports for people and render all results at the end.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import IO, Any, Protocol

from policyengine.csv_stream import CsvStream, streamable
from policyengine.result_cells import arranged, csv_bytes, csv_line, declared_type
from policyengine.results import Result, jsonable

__all__ = [
    "FIXED_COLUMNS",
    "GAPS_COLUMN",
    "STREAMED_FORMATS",
    "ArrowSink",
    "ReportSink",
    "Sink",
    "arrow_installed",
    "cell",
    "column_type",
    "concat_results",
    "conform",
    "flat_rows",
    "make_sink",
    "rows_to_arrow",
    "table_order",
    "unify_schema",
]

STREAMED_FORMATS = ("jsonl", "json", "csv", "parquet")
"""Formats written as results come (``csv``/``parquet`` through a spool on disk)."""

FIXED_COLUMNS = ("subject_id", "pack", "pack_version", "digest", "as_of", "verdict")


def table_order(names: Sequence[str], declared: Sequence[str] = ()) -> list[str]:
    """A result table's columns as results.md lists them: the fixed ones, then every
    ``outputs.<key>``, then every ``rules.<id>``, then the rest (``gaps``). In each group
    the columns the packs declare (``declared``, in the packs' order) come first, whatever
    the rows hold; then the others in the order first seen (a jurisdiction's own)."""

    def group(name: str) -> int:
        return 0 if name.startswith("outputs.") else 1 if name.startswith("rules.") else 2

    names = list(dict.fromkeys([*declared, *names]))
    rest = sorted((c for c in names if c not in FIXED_COLUMNS), key=group)  # stable
    return [*(c for c in FIXED_COLUMNS if c in names), *rest]


class Sink(Protocol):
    """Where results go, one at a time."""

    binary: bool

    def write(self, result: Result) -> None:
        """Add one result."""

    def close(self) -> None:
        """Finish the output (closing brackets, table footers); the stream stays open."""

    def discard(self) -> None:
        """Drop what was kept (the run failed): temporary files go, nothing is written."""


def cell(value: Any) -> Any:
    """An output value in a table cell: scalars as they are, lists and tables as JSON."""
    value = jsonable(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=False)
    return value


GAPS_COLUMN = "gaps"
"""With gaps asked for (``--gaps``): the result's gaps (results.md "Gaps"), as a JSON array
of the gap objects, their sentences in the result's language."""


def flat_rows(result: Result, gaps: bool = False) -> Iterator[dict[str, Any]]:
    """One table row per subject: the result's own, then its communities' and children's;
    with ``gaps``, each row also has the :data:`GAPS_COLUMN`."""
    row: dict[str, Any] = {
        "subject_id": result.subject_id,
        "pack": result.pack_id,
        "pack_version": result.pack_version,
        "digest": result.pack_digest,
        "as_of": result.as_of.isoformat(),
        "verdict": result.verdict,
    }
    for key, value in result.outputs.items():
        row[f"outputs.{key}"] = cell(value)
    for finding in result.findings:
        row[f"rules.{finding.rule}"] = finding.outcome
    if gaps:
        row[GAPS_COLUMN] = cell([g.to_dict() for g in result.gaps])
    yield row
    for child in (*result.communities, *result.jurisdictions):
        yield from flat_rows(child, gaps)


class JsonLinesSink:
    """One result JSON a line, less the parts ``omit`` leaves out (:meth:`Result.to_dict`)."""

    binary = False

    def __init__(self, fh: IO[str], omit: Collection[str] = ()) -> None:
        self.fh = fh
        self.omit = omit

    def write(self, result: Result) -> None:
        self.fh.write(json.dumps(result.to_dict(omit=self.omit), ensure_ascii=False) + "\n")

    def close(self) -> None:
        pass

    def discard(self) -> None:
        pass


class JsonArraySink:
    """A JSON array written as results come; exactly one result stays a single object. Each
    result less the parts ``omit`` leaves out (:meth:`Result.to_dict`)."""

    binary = False

    def __init__(self, fh: IO[str], omit: Collection[str] = ()) -> None:
        self.fh = fh
        self.omit = omit
        self.first: Result | None = None
        self.count = 0

    def write(self, result: Result) -> None:
        self.count += 1
        if self.count == 1:
            self.first = result
            return
        if self.count == 2:
            assert self.first is not None
            self.fh.write("[\n" + self._said(self.first))
            self.first = None
        self.fh.write(",\n" + self._said(result))

    def _said(self, result: Result, indent: int | None = None) -> str:
        return json.dumps(result.to_dict(omit=self.omit), ensure_ascii=False, indent=indent)

    def close(self) -> None:
        if self.count == 0:
            self.fh.write("[]\n")
        elif self.count == 1:
            assert self.first is not None
            self.fh.write(self._said(self.first, indent=2) + "\n")
        else:
            self.fh.write("\n]\n")

    def discard(self) -> None:
        self.first = None


class _Spool:
    """Rows kept on disk as JSON arrays, with the union of their columns in order."""

    def __init__(self) -> None:
        self.order: list[str] = list(FIXED_COLUMNS)
        self.seen: set[str] = set(FIXED_COLUMNS)
        self.file = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115

    def add(self, row: Mapping[str, Any]) -> None:
        for key in row:
            if key not in self.seen:
                self.seen.add(key)
                self.order.append(key)
        self.file.write(json.dumps(row, ensure_ascii=False) + "\n")

    def batches(self, size: int = 65536) -> Iterator[list[dict[str, Any]]]:
        self.file.seek(0)
        batch: list[dict[str, Any]] = []
        for line in self.file:
            batch.append(json.loads(line))
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch

    def close(self) -> None:
        self.file.close()


class _SpooledTable:
    """A table written at the end: rows (one per subject × pack) are spooled until then."""

    spool: _Spool
    gaps: bool = False

    def write(self, result: Result) -> None:
        for row in flat_rows(result, self.gaps):
            self.spool.add(row)

    def write_rows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Add table rows computed elsewhere (the columnar backend)."""
        for row in rows:
            self.spool.add(row)

    def discard(self) -> None:
        self.spool.close()


class CsvSink(_SpooledTable):
    """A CSV table without pyarrow: one row per subject × pack (UTF-8, header first), in
    the one dialect of result tables, text cells safe in a spreadsheet
    (:mod:`policyengine.result_cells`)."""

    binary = False

    def __init__(self, fh: IO[str], gaps: bool = False, declared: Sequence[str] = ()) -> None:
        self.fh = fh
        self.spool = _Spool()
        self.gaps = gaps
        self.declared = declared

    def close(self) -> None:
        columns = table_order(self.spool.order, self.declared)
        self.fh.write(csv_line(columns, header=True))
        for batch in self.spool.batches():
            self.fh.writelines(csv_line([row.get(c) for c in columns]) for row in batch)
        self.spool.close()


def arrow_installed() -> bool:
    """Whether pyarrow can be imported (CSV and Parquet are then written by Arrow)."""
    import importlib.util

    return importlib.util.find_spec("pyarrow") is not None


def column_type(pa: Any, kinds: set[type]) -> tuple[Any, Callable[[Any], Any]]:
    """The Arrow type of a column from the Python types seen in it, and a value converter."""
    kinds = kinds - {type(None)}
    if not kinds:
        return pa.null(), lambda v: v  # all missing: takes the type of other batches
    if kinds == {bool}:
        return pa.bool_(), lambda v: v
    if kinds == {int}:
        return pa.int64(), lambda v: v
    if kinds <= {int, float}:
        return pa.float64(), lambda v: None if v is None else float(v)
    if kinds == {str}:
        return pa.string(), lambda v: v
    return pa.string(), lambda v: None if v is None or isinstance(v, str) else json.dumps(v)


def _typed_schema(pa: Any, columns: Sequence[str], kinds: Mapping[str, set[type]]) -> Any:
    typed = [column_type(pa, kinds[c]) for c in columns]
    schema = pa.schema([(c, t) for c, (t, _) in zip(columns, typed, strict=True)])
    return schema, [conv for _, conv in typed]


def _arrow_batch(
    pa: Any, schema: Any, convs: Sequence[Any], rows: Sequence[Mapping[str, Any]]
) -> Any:
    arrays = [
        pa.array([conv(row.get(name)) for row in rows], type=schema.field(name).type)
        for name, conv in zip(schema.names, convs, strict=True)
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def unify_schema(pa: Any, schemas: Sequence[Any]) -> Any:
    """One schema for result tables of several batches: nulls take the others' type, ints
    widen to floats, and a column whose batches disagree otherwise becomes text."""
    try:
        return pa.unify_schemas(schemas, promote_options="permissive")
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        pass
    fields: dict[str, list[Any]] = {}
    for schema in schemas:
        for field in schema:
            fields.setdefault(field.name, []).append(field.type)
    out = []
    for name, kinds in fields.items():
        try:
            merged = pa.unify_schemas(
                [pa.schema([(name, t)]) for t in kinds], promote_options="permissive"
            )
            out.append(merged.field(name))
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            out.append(pa.field(name, pa.string()))
    return pa.schema(out)


def concat_results(pa: Any, tables: Sequence[Any]) -> Any:
    """Result tables of several batches (or packs) as one, under :func:`unify_schema`."""
    schema = unify_schema(pa, [t.schema for t in tables])
    return pa.concat_tables([conform(pa, t, schema) for t in tables])


def conform(pa: Any, table: Any, schema: Any) -> Any:
    """A result table with exactly the columns and types of ``schema``."""
    have = dict(zip(table.column_names, table.columns, strict=True))
    n = table.num_rows
    columns = []
    for field in schema:
        column = have.get(field.name)
        if column is None:
            column = pa.nulls(n, field.type)
        elif column.type != field.type:
            # whole numbers beside fractions in another batch take the fractions' type; Arrow
            # 26 refuses integers beyond 2^53 in that cast, which earlier versions rounded:
            # rounded here too (the engine compares numbers exactly only up to 2^53)
            lossy = pa.types.is_integer(column.type) and pa.types.is_floating(field.type)
            column = column.cast(field.type, safe=not lossy)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=schema)


def rows_to_arrow(rows: Sequence[Mapping[str, Any]]) -> Any:
    """Table rows as a ``pyarrow.Table`` (column types from the values, as for Parquet)."""
    from policyengine.tables import require

    pa = require("pyarrow", "Arrow tables")
    kinds: dict[str, set[type]] = {c: set() for c in FIXED_COLUMNS}
    for row in rows:
        for key, value in row.items():
            kinds.setdefault(key, set()).add(type(value))
    schema, convs = _typed_schema(pa, list(kinds), kinds)
    return _arrow_batch(pa, schema, convs, rows)


def _rewindable(fh: IO[Any]) -> bool:
    """Whether what was written to ``fh`` can be taken back: it seeks and truncates, and is
    not a device (``/dev/null`` seeks, but refuses to be truncated)."""
    if not streamable(fh):
        return False
    try:
        mode = os.fstat(fh.fileno()).st_mode
    except (AttributeError, OSError, ValueError):
        return True  # in memory (a BytesIO)
    return stat.S_ISREG(mode)


class ArrowSink:
    """CSV or Parquet from Arrow tables, spooled on disk: the columnar backend's tables, or
    rows (results one at a time), made into tables :attr:`rows_per_table` at a time.

    The first tables are kept in memory, up to :attr:`in_memory` bytes; the rest each go
    to a temporary Arrow file. Each table is given the columns the packs declare
    (``declared``, an Arrow schema: :func:`policyengine.distributed.result_schema`) in
    their order; on close the schemas are unified (a column that is all null in one batch
    takes the type of the others), Parquet's columns take the declared types, and the
    tables are written out in order by Arrow's writers. CSV cells: ``true``/``false``,
    empty for null, lists and tables as JSON, text safe in a spreadsheet
    (:mod:`policyengine.result_cells`). CSV's ``dialect``: ``"arrow"``, Arrow's writer (text
    quoted, rows streamed as tables come); ``"minimal"``, the command line's (a cell quoted
    only where it must be, as :class:`CsvSink` writes it; written at close).
    """

    in_memory = 64 << 20
    """Bytes of result tables kept in memory before spooling the rest to disk."""

    rows_per_table = 4096
    """Rows given one at a time (:meth:`write`, :meth:`write_rows`) made into one table."""

    def __init__(
        self,
        fmt: str,
        fh: IO[Any],
        gaps: bool = False,
        declared: Any = None,
        dialect: str = "arrow",
    ) -> None:
        from policyengine.tables import require

        self.pa = require("pyarrow", f"writing {fmt}")
        self.fmt = fmt
        self.binary = True
        self.fh = fh
        self.gaps = gaps
        self.declared = declared
        self.dialect = dialect
        self.rows: list[Mapping[str, Any]] = []
        self.dir: tempfile.TemporaryDirectory[str] | None = None
        self.held: list[Any] = []
        self.held_bytes = 0
        self.files: list[str] = []
        self.schemas: list[Any] = []
        # CSV: rows written by a background thread as tables come (rewritten at close in
        # the rare case the batches' column types differ): see policyengine.csv_stream
        self.stream: CsvStream | None = None
        if fmt == "csv" and dialect == "arrow" and _rewindable(fh):
            self.stream = CsvStream(fh)

    def write(self, result: Result) -> None:
        self.write_rows(list(flat_rows(result, self.gaps)))

    def write_rows(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self.rows.extend(rows)
        if len(self.rows) >= self.rows_per_table:
            self._flush_rows()

    def _flush_rows(self) -> None:
        if self.rows:
            table = rows_to_arrow(self.rows)
            self.rows = []
            self.write_table(table)

    def _order(self, names: Sequence[str]) -> list[str]:
        return table_order(names, () if self.declared is None else self.declared.names)

    def write_table(self, table: Any) -> None:
        """Add one Arrow table of result rows."""
        table = arranged(
            self.pa, table, self._order(table.column_names), self.declared, self.fmt == "csv"
        )
        self.schemas.append(table.schema)
        if not self.files and self.held_bytes + table.nbytes <= self.in_memory:
            self.held.append(table)
            self.held_bytes += table.nbytes
            if self.stream is not None:
                self.stream.put(table)
            return
        if self.dir is None:
            self.dir = tempfile.TemporaryDirectory(prefix="policyengine-")
        name = f"{self.dir.name}/{len(self.files)}.arrow"
        self.files.append(name)
        if self.stream is not None:  # spooled by the stream's thread too, after the rows
            self.stream.put(table, lambda: self._spool(table, name))
        else:
            self._spool(table, name)

    def _spool(self, table: Any, name: str) -> None:
        table = table.unify_dictionaries()  # an Arrow file holds one dictionary per column
        with self.pa.OSFile(name, "wb") as sink, self.pa.ipc.new_file(sink, table.schema) as w:
            w.write_table(table)

    def _tables(self, schema: Any) -> Iterator[Any]:
        pa = self.pa
        while self.held:
            yield conform(pa, self.held.pop(0), schema)
        for name in self.files:
            with pa.memory_map(name) as source:
                table = pa.ipc.open_file(source).read_all()
            yield conform(pa, table, schema)

    def _schema(self) -> Any:
        """The table's schema: the unified one, in order; Parquet's in the declared types."""
        pa = self.pa
        if not self.schemas:
            names = self._order(FIXED_COLUMNS)
            return pa.schema([(c, declared_type(pa, self.declared, c)) for c in names])
        unified = unify_schema(pa, self.schemas)
        fields = [unified.field(c) for c in self._order(unified.names)]
        if self.fmt != "parquet":
            return pa.schema(fields)
        return pa.schema([pa.field(f.name, self._fixed(f.type, f.name)) for f in fields])

    def _fixed(self, seen: Any, name: str) -> Any:
        """A Parquet column's type: the declared one (text where the values do not fit it),
        or, for a column no pack declares, the values' (text where they are all null)."""
        pa = self.pa
        want = declared_type(pa, self.declared, name)
        if pa.types.is_dictionary(seen):
            seen = seen.value_type
        if pa.types.is_null(want):
            return pa.string() if pa.types.is_null(seen) else seen
        fits = (
            seen == want
            or pa.types.is_null(seen)
            or (pa.types.is_integer(seen) and pa.types.is_floating(want))
        )
        return want if fits else pa.string()

    def close(self) -> None:
        pa = self.pa
        self._flush_rows()
        schema = self._schema()
        try:
            if self.fmt == "parquet":
                from policyengine.tables import require

                pq = require("pyarrow.parquet", "writing Parquet")
                with pq.ParquetWriter(self.fh, schema) as writer:
                    empty = not self.schemas
                    for table in self._tables(schema):
                        writer.write_table(table)
                    if empty:
                        writer.write_table(schema.empty_table())
            elif self.dialect == "minimal":
                self.fh.write(csv_line(schema.names, header=True).encode("utf-8"))
                for table in self._tables(schema):
                    self.fh.write(csv_bytes(pa, table))
            elif self.stream is not None and self.stream.finish(schema):
                pass  # every row is written already, as the unified table gives it
            else:
                from policyengine.tables import require

                if self.stream is not None:
                    if self.stream.spool_error is not None:
                        raise self.stream.spool_error
                    self.stream.rewind()
                pacsv = require("pyarrow.csv", "writing CSV")
                options = pacsv.WriteOptions(quoting_style="needed")
                with pacsv.CSVWriter(self.fh, schema, write_options=options) as writer:
                    for table in self._tables(schema):
                        writer.write_table(table)
        finally:
            self.discard()

    def discard(self) -> None:
        if self.stream is not None:
            self.stream.stop()
        self.rows = []
        self.held.clear()
        if self.dir is not None:
            self.dir.cleanup()
            self.dir = None


class ReportSink:
    """A report for people: every result rendered at the end by a :class:`Reporter`."""

    binary = False

    def __init__(self, fh: IO[Any], render: Callable[[Sequence[Result]], str | bytes]) -> None:
        self.fh = fh
        self.render = render
        self.results: list[Result] = []

    def write(self, result: Result) -> None:
        self.results.append(result)

    def close(self) -> None:
        if self.results:
            self.fh.write(self.render(self.results))

    def discard(self) -> None:
        self.results.clear()


def make_sink(
    fmt: str,
    fh: IO[Any],
    gaps: bool = False,
    declared: Any = None,
    omit: Collection[str] = (),
) -> Sink:
    """The sink of a streamed format (one of :data:`STREAMED_FORMATS`). JSON and JSON Lines
    write each result less the parts ``omit`` names (of
    :data:`~policyengine.results.OPTIONAL_PARTS`, nested results included); a table refuses
    ``omit`` (ValueError), and ``gaps`` adds the :data:`GAPS_COLUMN` to its rows. CSV and
    Parquet go through Arrow (:class:`ArrowSink`, ``fh`` binary) when pyarrow is installed,
    with the columns ``declared`` (an Arrow schema, or None); CSV without it through
    :class:`CsvSink` (``fh`` text), in the same dialect."""
    if fmt == "jsonl":
        return JsonLinesSink(fh, omit)
    if fmt == "json":
        return JsonArraySink(fh, omit)
    if omit:  # a table's columns are its own (the gaps by ``gaps``): not ignored silently
        raise ValueError(f"{fmt} writes no result JSON to leave {', '.join(omit)} out of")
    if fmt == "parquet" or (fmt == "csv" and arrow_installed()):
        return ArrowSink(fmt, fh, gaps, declared, dialect="minimal")
    if fmt == "csv":
        names = () if declared is None else declared.names
        return CsvSink(fh, gaps, names)
    raise ValueError(f"not a streamed format: {fmt!r}")
