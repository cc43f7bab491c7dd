"""Many communities at once: the batch API for services and distributed engines.

* :func:`evaluate_many` streams :class:`~policyengine.results.Result` objects (findings
  with their sentences) for documents, dicts, typed facts or Arrow tables.
* :func:`evaluate_table` gives the table of results.md (one row per subject × pack:
  ``subject_id``, ``pack``, ``pack_version``, ``digest``, ``as_of``, ``verdict``,
  ``outputs.<key>``, ``rules.<id>``) as an Arrow table, computed by the columnar backend
  for every pack without Python hooks and by the row path otherwise.
* :func:`evaluate_arrow` is the same over one Arrow table or record batch whose columns
  are fact paths: the one function to map over partitions (Dask ``map_partitions``, Spark
  ``mapInArrow``, Ray ``map_batches``).

Rows come out subject by subject, each subject's packs in the order given. A bad record
raises :class:`~policyengine.exceptions.FactsError` naming its position and field path,
or with ``errors="skip"`` is left out (and passed to ``on_bad``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from policyengine.documents import structure_subject
from policyengine.engine import evaluate_community
from policyengine.exceptions import FactProblem, FactsError
from policyengine.facts import Community, Jurisdiction
from policyengine.jurisdictions import evaluate_jurisdiction
from policyengine.pack import Pack
from policyengine.plan import plan_for
from policyengine.results import Result
from policyengine.seen_ids import SeenIds
from policyengine.sinks import flat_rows
from policyengine.tables import Record, once_each, open_records, records_of_arrow, require

__all__ = [
    "CHUNK",
    "AsOf",
    "evaluate_arrow",
    "evaluate_many",
    "evaluate_rows",
    "evaluate_table",
    "subjects_of",
]

CHUNK = 8192
"""Communities evaluated together by the columnar backend (bounded memory)."""

AsOf = dt.date | Mapping[str, dt.date | None] | None
"""One date for every pack, or a date per pack id (default: today)."""

OnBad = Callable[[str, Sequence[FactProblem]], None]


def _date(as_of: AsOf, pack: Pack) -> dt.date:
    if isinstance(as_of, Mapping):
        found = as_of.get(pack.id)
        return found if found is not None else dt.date.today()
    return as_of or dt.date.today()


def _packs(packs: str | Pack | Sequence[str | Pack]) -> list[Pack]:
    from policyengine.api import default_registry

    items: Sequence[str | Pack] = [packs] if isinstance(packs, str | Pack) else packs
    out: list[Pack] = []
    for p in items:
        out.extend([p] if isinstance(p, Pack) else default_registry().resolve(p))
    return out


def _is_arrow(facts: Any) -> bool:
    return hasattr(facts, "schema") and hasattr(facts, "to_pylist")


def _records(facts: Any, source: str = "table") -> Iterator[Record]:
    """The records of ``facts``. Files, folders and tables (a path, or a list of paths) are
    read as ``policyengine evaluate`` reads them (:func:`~policyengine.tables.open_records`:
    CSV, Excel, Parquet and JSON Lines too, an id given twice a bad record); a path alone is
    one input (its characters were taken for paths: ``"/: cannot read the file"``)."""
    if _is_arrow(facts):  # an id given twice in it is a bad row, as in a table file
        yield from once_each(records_of_arrow([facts], source), SeenIds())
        return
    if isinstance(facts, str | os.PathLike):
        facts = [facts]
    items = iter(facts)
    first = next(items, None)
    if first is None:
        return
    if _is_arrow(first):  # an iterable of record batches
        yield from once_each(records_of_arrow(_chain(first, items), source), SeenIds())
        return
    if isinstance(first, str | os.PathLike):
        rest = list(items)
        if all(isinstance(item, str | os.PathLike) for item in rest):
            yield from open_records([os.fspath(p) for p in (first, *rest)])
            return
        items = iter(rest)
    for i, item in enumerate(_chain(first, items)):
        if isinstance(item, str | os.PathLike):
            yield from open_records([os.fspath(item)])
        else:
            yield Record(f"[{i}]", item)


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def subjects_of(
    facts: Any, *, errors: str = "raise", on_bad: OnBad | None = None, source: str = "table"
) -> Iterator[Community | Jurisdiction]:
    """Checked subjects from documents, dicts, typed facts or Arrow tables, one at a time
    (an Arrow table's rows are named ``"{source}, row N"`` in errors)."""
    for record in _records(facts, source):
        if isinstance(record.data, Community | Jurisdiction):
            yield record.data
            continue
        problems = list(record.problems)
        subject = None
        try:
            subject = structure_subject(record.data, record.base)
        except FactsError as exc:
            problems.extend(exc.problems)
        if problems:
            if on_bad is not None:
                on_bad(record.position, problems)
            if errors != "skip":
                raise FactsError(problems, source=record.position)
            continue
        assert subject is not None
        yield subject


def evaluate_many(
    facts: Any,
    packs: str | Pack | Sequence[str | Pack],
    *,
    as_of: AsOf = None,
    errors: str = "raise",
    on_bad: OnBad | None = None,
) -> Iterator[Result]:
    """Each subject against each pack, as results, streamed (memory does not grow)."""
    loaded = _packs(packs)
    for subject in subjects_of(facts, errors=errors, on_bad=on_bad):
        for pack in loaded:
            yield _evaluate(subject, pack, _date(as_of, pack))


def _evaluate(subject: Community | Jurisdiction, pack: Pack, as_of: dt.date) -> Result:
    if isinstance(subject, Jurisdiction):
        return evaluate_jurisdiction(subject, pack, as_of=as_of)
    return evaluate_community(subject, pack, as_of=as_of)


def evaluate_rows(
    subjects: Sequence[Community | Jurisdiction],
    packs: Sequence[Pack],
    as_of: AsOf = None,
    *,
    columnar: bool = True,
) -> list[dict[str, Any]]:
    """Table rows for a chunk of subjects (columnar for packs without hooks)."""
    try:
        from policyengine.columnar import FactColumns, evaluate_columns, unsupported
    except ImportError:  # without the [batch] extra: the row path only
        columnar = False

    communities = [s for s in subjects if isinstance(s, Community)]
    use = columnar and len(communities) == len(subjects) and bool(subjects)
    per_pack: list[list[dict[str, Any]]] = []
    for pack in packs:
        date = _date(as_of, pack)
        if use and unsupported(pack) is None:
            cols = FactColumns.from_subjects(communities, plan_for(pack).read_paths)
            per_pack.append(evaluate_columns(pack, cols, date).rows())
        else:
            per_pack.append([row for s in subjects for row in _rows(s, pack, date, columnar)])
    if len(per_pack) == 1:
        return per_pack[0]
    if all(len(rows) == len(subjects) for rows in per_pack):
        return [rows[i] for i in range(len(subjects)) for rows in per_pack]
    return [row for rows in per_pack for row in rows]  # jurisdictions: several rows each


def _rows(
    subject: Community | Jurisdiction, pack: Pack, as_of: dt.date, columnar: bool
) -> list[dict[str, Any]]:
    """One subject's table rows; a jurisdiction's communities and aggregates on columns."""
    if columnar and isinstance(subject, Jurisdiction):
        from policyengine.columnar.jurisdiction import rows_of_jurisdiction

        return rows_of_jurisdiction(subject, pack, as_of)
    return list(flat_rows(_evaluate(subject, pack, as_of)))


def evaluate_table(
    facts: Any,
    packs: str | Pack | Sequence[str | Pack],
    *,
    as_of: AsOf = None,
    errors: str = "raise",
    on_bad: OnBad | None = None,
    source: str = "table",
    gaps: bool = False,
    lang: str = "zh",
) -> Any:
    """The results table (``pyarrow.Table``) for documents, dicts or Arrow tables (an
    Arrow table's bad rows are named ``"{source}, row N"``).

    ``gaps``: each row also has the ``gaps`` column of ``evaluate --gaps`` (the result's
    gaps as JSON, in ``lang``); every row then goes by the row path.
    """
    from policyengine.sinks import rows_to_arrow

    loaded = _packs(packs)
    if gaps:
        from policyengine import api

        said = [
            row
            for subject in subjects_of(facts, errors=errors, on_bad=on_bad, source=source)
            for pack in loaded
            for row in flat_rows(
                api.evaluate(subject, pack, as_of=_date(as_of, pack), lang=lang), gaps=True
            )
        ]
        return rows_to_arrow(said)
    if _is_arrow(facts) and _columnar(loaded):
        return _arrow_table(facts, loaded, as_of, errors, on_bad, source)
    rows: list[dict[str, Any]] = []
    chunk: list[Community | Jurisdiction] = []
    for subject in subjects_of(facts, errors=errors, on_bad=on_bad, source=source):
        chunk.append(subject)
        if len(chunk) == CHUNK:
            rows.extend(evaluate_rows(chunk, loaded, as_of))
            chunk = []
    if chunk:
        rows.extend(evaluate_rows(chunk, loaded, as_of))
    return rows_to_arrow(rows)


def _columnar(packs: Sequence[Pack]) -> bool:
    try:
        from policyengine.columnar import unsupported
    except ImportError:
        return False
    return all(unsupported(p) is None for p in packs)


def _arrow_table(
    facts: Any,
    packs: Sequence[Pack],
    as_of: AsOf,
    errors: str,
    on_bad: OnBad | None,
    source: str = "table",
) -> Any:
    """An Arrow table of facts straight to columns (cells screened as arrays)."""
    from policyengine.columnar.fast import BATCH_ROWS, batch_results
    from policyengine.tables import check_columns

    pa = require("pyarrow", "Arrow tables")
    check_columns(list(facts.schema.names), source)
    dates = {p.id: _date(as_of, p) for p in packs}

    def report(position: str, problems: Sequence[FactProblem]) -> None:
        if on_bad is not None:
            on_bad(position, problems)
        if errors != "skip":
            raise FactsError(problems, source=position)

    batches = (
        facts.to_batches(max_chunksize=BATCH_ROWS) if hasattr(facts, "to_batches") else [facts]
    )
    tables, first, seen = [], 1, SeenIds()  # an id given twice: a bad row, as in a file
    for batch in batches:
        tables.append(batch_results(batch, first, source, packs, dates, report, seen).table)
        first += batch.num_rows
    if not tables:
        return _empty(pa)
    from policyengine.sinks import concat_results

    return concat_results(pa, tables)


def _empty(pa: Any) -> Any:
    from policyengine.sinks import FIXED_COLUMNS

    return pa.table({c: pa.array([], pa.string()) for c in FIXED_COLUMNS})


def evaluate_arrow(
    batch: Any,
    packs: str | Pack | Sequence[str | Pack],
    as_of: AsOf = None,
    errors: str = "raise",
    *,
    source: str = "table",
) -> Any:
    """Arrow in (columns are fact paths), Arrow out (the results table): map it over
    partitions. Picklable arguments only: pack ids and dates. A bad row is named
    ``"{source}, row N"`` (N from 1 in ``batch``), e.g. a partition's file."""
    require("pyarrow", "evaluate_arrow")
    return evaluate_table(batch, packs, as_of=as_of, errors=errors, source=source)
