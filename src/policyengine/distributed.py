"""Beyond one machine: evaluate a Dask DataFrame or a Parquet dataset on a Dask cluster.

:func:`evaluate_dask` maps :func:`~policyengine.batch.evaluate_arrow` over the partitions
of a Dask DataFrame whose columns are fact paths, or over the files of a Parquet dataset
(one partition per file, read on the workers), and gives the results table of results.md
as a lazy Dask DataFrame. :func:`write_parquet` computes it into a Parquet dataset.

* The result's schema is declared up front (:func:`result_schema`), from the packs alone:
  Dask runs nothing to learn it. Every partition is cast to it, so all partitions agree.
* Packs travel as ids (or, for a pack that is not installed, as the pack itself) and
  dates: each worker process loads a pack and compiles its plan once, then keeps them for
  every later partition (the plan cache is per process).
* Bad rows behave as in ``evaluate_arrow``: :class:`~policyengine.exceptions.FactsError`
  names the file (or ``partition N``), the row and the field path; ``errors="skip"``
  leaves them out.

Dask is imported only here and only when called: ``import policyengine`` stays small, and
without the ``[dask]`` extra the call fails with a sentence saying what to install.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from policyengine.batch import AsOf, evaluate_arrow
from policyengine.exceptions import EngineError, InputError
from policyengine.files import refuse_outside
from policyengine.pack import Pack
from policyengine.sinks import FIXED_COLUMNS

__all__ = ["evaluate_dask", "result_schema", "write_parquet"]

INSTALL = "pip install 'community-policyengine[dask]'"

CHUNK_ROWS = 65536
"""Rows per partition when a pandas DataFrame in memory is split for the workers."""

Packs = str | Pack | Sequence[str | Pack]


def _require(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise InputError(
            f"evaluating on Dask needs the optional package {module.split('.')[0]!r}: {INSTALL}"
        ) from None


def _resolve(packs: Packs) -> list[Pack]:
    """Packs by id (``all`` for every installed one) or as given, on the client."""
    from policyengine.api import default_registry

    items: Sequence[str | Pack] = [packs] if isinstance(packs, str | Pack) else packs
    out: list[Pack] = []
    for p in items:
        out.extend([p] if isinstance(p, Pack) else default_registry().resolve(p))
    return out


def _dates(packs: Sequence[Pack], as_of: AsOf) -> dict[str, dt.date]:
    """One date per pack, fixed on the client (every worker uses the same day)."""
    today = dt.date.today()
    if isinstance(as_of, Mapping):
        return {p.id: as_of.get(p.id) or today for p in packs}
    return {p.id: as_of or today for p in packs}


def _refs(packs: Sequence[Pack]) -> list[str | Pack]:
    """What goes to the workers: the id of an installed pack, else the pack itself."""
    from policyengine.api import installed_packs

    installed = installed_packs()
    return [p.id if p.id in installed and installed[p.id].digest == p.digest else p for p in packs]


def result_schema(packs: Packs, as_of: AsOf = None) -> Any:
    """The ``pyarrow.Schema`` of the results of ``packs``, known without any data.

    The columns are those of results.md, in the order ``evaluate_arrow`` gives them: the
    fixed ones, then each pack's ``outputs.<key>`` and ``rules.<id>``. Verdicts and
    outcomes are text. An output takes the type the pack fixes (a computed number, a
    yes/no, dates and lists as text; a scale's level from its bands); an output whose
    type only its values tell is text, as in CSV; a table's amount takes its parameters'
    type (whole yuan are int64); the programme year is int64 and the phase text, whatever
    the date.
    """
    pa = _require("pyarrow")
    loaded = _resolve(packs)
    dates = _dates(loaded, as_of)
    # one community with no facts: every column of the packs, typed where the pack fixes it
    probe = pa.table({"community.id": pa.array(["probe"], pa.string())})
    table = evaluate_arrow(probe, loaded, as_of=dates)
    levels = {f"outputs.{s.output}": _level_type(pa, s) for p in loaded for s in p.scales}
    levels.update((f"outputs.{t.output}", _amount_type(pa, p, t)) for p in loaded for t in p.tables)
    for p in loaded:  # the programme year (1, 2, …) and the phase's name, whatever the date
        if p.info.programme is not None:
            levels.setdefault("outputs.program_year", pa.int64())
        if p.phases:
            levels.setdefault(f"outputs.{p.info.phase_output}", pa.string())
    fields = [pa.field(c, pa.string()) for c in FIXED_COLUMNS]
    for field in table.schema:
        name, kind = field.name, field.type
        if name in FIXED_COLUMNS:
            continue
        if pa.types.is_dictionary(kind) or not name.startswith("outputs."):
            kind = pa.string()
        elif pa.types.is_null(kind):
            kind = levels.get(name, pa.string())
        fields.append(pa.field(name, kind))
    return pa.schema(fields)


def _level_type(pa: Any, scale: Any) -> Any:
    """A scale's output: the type of its band values and ``below``."""
    values = [b.value for b in scale.bands] + ([] if scale.below is None else [scale.below])
    return _number_type(pa, values)


def _amount_type(pa: Any, pack: Pack, table: Any) -> Any:
    """A table's amount: the type of every value its ``first`` and ``step`` parameters hold."""
    names = [n for row in table.rows for n in (row.first, row.step) if n is not None]
    values: list[Any] = []
    for name in names:
        param = pack.parameters[name]
        values.extend([param.value, *(entry.value for entry in param.values)])
    # a value not stated in the document (None) gives a null amount, not another type
    return _number_type(pa, [v for v in values if v is not None])


def _number_type(pa: Any, values: list[Any]) -> Any:
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pa.int64()
    if values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return pa.float64()
    return pa.string()


def _conform(table: Any, schema: Any) -> Any:
    """A partition's results with exactly the declared columns and types."""
    pa = _require("pyarrow")
    pc = _require("pyarrow.compute")
    extra = [c for c in table.column_names if c not in schema.names]
    if extra:  # the schema comes from the same packs: a pack whose columns depend on data
        raise EngineError(
            f"the results have columns the packs did not declare: {', '.join(extra)}; "
            "evaluate this pack with evaluate_arrow instead"
        )
    arrays = []
    for field in schema:
        if field.name not in table.column_names:
            arrays.append(pa.nulls(table.num_rows, field.type))
            continue
        column = table.column(field.name)
        if column.type != field.type:
            column = pc.cast(column, field.type)
        arrays.append(column)
    return pa.Table.from_arrays(arrays, schema=schema)


def _to_pandas(table: Any) -> Any:
    pd = _require("pandas")
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def _meta(schema: Any) -> Any:
    """The empty pandas frame Dask is told the results look like."""
    return _to_pandas(schema.empty_table())


def _evaluate_frame(
    part: Any,
    packs: list[str | Pack],
    dates: dict[str, dt.date],
    errors: str,
    schema: Any,
    partition_info: dict[str, Any] | None = None,
) -> Any:
    """One pandas partition of facts → its results (runs on a worker)."""
    pa = _require("pyarrow")
    number = partition_info["number"] if partition_info else 0
    table = pa.Table.from_pandas(part, preserve_index=False)
    results = evaluate_arrow(table, packs, dates, errors, source=f"partition {number}")
    return _to_pandas(_conform(results, schema))


def _evaluate_file(
    path: str, packs: list[str | Pack], dates: dict[str, dt.date], errors: str, schema: Any
) -> Any:
    """One Parquet file of facts → its results (runs on a worker; rows counted from 1)."""
    from policyengine.exceptions import DocumentError

    pq = _require("pyarrow.parquet")
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, …
        raise DocumentError(f"{path}: not a Parquet file: {exc}") from None
    results = evaluate_arrow(table, packs, dates, errors, source=path)
    return _to_pandas(_conform(results, schema))


def parquet_files(dataset: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> list[str]:
    """The files of a Parquet dataset: a folder (``*.parquet`` in it and below, sorted), a
    glob pattern, one file, or a list of those."""
    import glob

    items = [dataset] if isinstance(dataset, str | os.PathLike) else list(dataset)
    files: list[str] = []
    for item in items:
        text = os.fspath(item)
        path = Path(text)
        if path.is_dir():
            found = sorted(str(p) for p in path.rglob("*.parquet") if p.is_file())
            refuse_outside(path, map(Path, found))  # nothing outside the dataset's folder
        elif glob.has_magic(text):
            found = sorted(glob.glob(text, recursive=True))
        elif path.is_file():
            found = [text]
        else:
            raise InputError(f"{text}: no such file or folder")
        if not found:
            raise InputError(f"{text}: no Parquet file (*.parquet) found")
        files.extend(found)
    return files


def evaluate_dask(
    facts: Any,
    packs: Packs,
    *,
    as_of: AsOf = None,
    errors: str = "raise",
) -> Any:
    """The results of ``facts`` against ``packs`` as a lazy ``dask.dataframe.DataFrame``.

    ``facts`` is a Dask DataFrame whose columns are fact paths (one result partition per
    partition; a pandas DataFrame is split into partitions of :data:`CHUNK_ROWS`), or a
    Parquet dataset: a folder, a glob pattern, a file or a list of them
    (one partition per file, read by the workers). Nothing runs until the result is
    computed (``.compute()``, :func:`write_parquet`); it runs on the current Dask client
    (``distributed.Client(address)``) or Dask's default scheduler. Unknown packs fail
    here, before any work is sent.
    """
    dd = _require("dask.dataframe")
    if errors not in ("raise", "skip"):
        raise InputError(f"errors must be 'raise' or 'skip', not {errors!r}")
    loaded = _resolve(packs)
    dates = _dates(loaded, as_of)
    schema = result_schema(loaded, dates)
    meta, refs = _meta(schema), _refs(loaded)
    if isinstance(facts, _require("pandas").DataFrame):  # in memory: split into partitions
        facts = dd.from_pandas(facts, chunksize=CHUNK_ROWS, sort=False)
    if isinstance(facts, dd.DataFrame):
        return facts.map_partitions(
            _evaluate_frame, refs, dates, errors, schema, meta=meta, enforce_metadata=False
        )
    files = parquet_files(facts)
    return dd.from_map(
        _evaluate_file,
        files,
        args=(refs, dates, errors, schema),
        meta=meta,
        label="policyengine-evaluate",
        enforce_metadata=False,
    )


def write_parquet(results: Any, path: str | os.PathLike[str]) -> None:
    """Compute ``results`` (from :func:`evaluate_dask`) into a Parquet dataset at ``path``
    (one file per partition, the declared schema in each).

    A local folder is written beside itself and renamed into place when every partition
    is done: nothing half-written is left at ``path``. It must not exist yet, or be empty.
    A URL (``s3://…``) is written in place by Dask.
    """
    import shutil
    import uuid

    pa = _require("pyarrow")
    schema = pa.Schema.from_pandas(results._meta, preserve_index=False)
    text = os.fspath(path)
    if "://" in text:
        results.to_parquet(text, write_index=False, schema=schema)
        return
    target = Path(text)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(f"{target}: already exists and is not an empty folder")
    staging = target.parent / f".{target.name}.partial-{uuid.uuid4().hex[:8]}"
    try:
        results.to_parquet(str(staging), write_index=False, schema=schema)
        if target.exists():
            target.rmdir()
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
