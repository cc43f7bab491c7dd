"""What the columnar backend gives: verdicts, outcomes and outputs of many communities."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np

from policyengine.columnar.arrays import arrow_array
from policyengine.columnar.vector import Array, Vec
from policyengine.pack import Pack
from policyengine.results import jsonable

__all__ = ["OUTCOMES", "VERDICTS", "Coded", "ColumnarResult", "Encoded", "Output"]

OUTCOMES = ("pass", "fail", "unknown", "not_applicable", "advisory", "due", "overdue", "met_late")
VERDICTS = ("pass", "fail", "incomplete", "not_applicable")


@attrs.frozen(eq=False)
class Encoded:
    """An output column of lists or tables, each already JSON-encoded for a table cell."""

    cells: Any
    """A list of JSON texts (None: no value), or an Arrow string array of them."""

    def texts(self) -> list[str | None]:
        """The cells as a list."""
        cells = self.cells
        out: list[str | None] = cells if isinstance(cells, list) else cells.to_pylist()
        return out


@attrs.frozen(eq=False)
class Coded:
    """An output column of few distinct values: row ``i`` holds ``distinct[codes[i]]``
    (null where the code is -1). Tables, bands, dates and the programme year repeat a lot:
    each distinct value is converted once, the rows are one array of codes."""

    codes: Array
    distinct: Sequence[Any]
    """JSON-ready values (as ``Result.outputs`` holds them)."""

    def values(self) -> list[Any]:
        """One value per row."""
        table = [*self.distinct, None]  # code -1: the last
        return [table[c] for c in self.codes.tolist()]

    def used(self) -> list[Any]:
        """The distinct values some row holds."""
        seen = np.zeros(len(self.distinct) + 1, dtype=bool)
        seen[self.codes] = True
        return [v for v, s in zip(self.distinct, seen[:-1].tolist(), strict=True) if s]


Output = Vec | list[Any] | Encoded | Coded
"""An output column: numbers and booleans, JSON values, JSON cells or codes of values."""


@attrs.frozen(eq=False)
class ColumnarResult:
    """One pack over ``n`` communities: verdicts, outcomes by rule, outputs by key."""

    pack: Pack
    as_of: dt.date
    ids: Sequence[str]
    verdicts: Array
    """Codes into :data:`VERDICTS`."""
    outcomes: dict[str, Array]
    """Rule id → codes into :data:`OUTCOMES`, in the row path's finding order."""
    outputs: dict[str, Output]
    """Output key → a column, one JSON-ready value per community, encoded cells or codes."""
    absent: dict[str, Array] = attrs.field(factory=dict)
    """Rule id → where the row path gives no such finding (the ``pilot`` finding where the
    pack does not apply): no ``rules.<id>`` cell there."""

    def output_values(self, key: str) -> list[Any]:
        """One output as the JSON values ``Result.outputs`` holds (None where unknown)."""
        col = self.outputs[key]
        if isinstance(col, list):
            return col
        if isinstance(col, Encoded):
            return [None if c is None else json.loads(c) for c in col.texts()]
        if isinstance(col, Coded):
            return col.values()
        known = col.known.tolist()
        return [jsonable(x) if k else None for x, k in zip(col.values.tolist(), known, strict=True)]

    def verdict(self, i: int) -> str:
        """The verdict of community ``i``."""
        return VERDICTS[int(self.verdicts[i])]

    def _cells(self, key: str) -> list[Any]:
        from policyengine.sinks import cell

        col = self.outputs[key]
        if isinstance(col, Encoded):
            return col.texts()
        return [cell(x) for x in self.output_values(key)]

    def rows(self) -> list[dict[str, Any]]:
        """The table rows of results.md: fixed columns, ``outputs.<key>``, ``rules.<id>``."""
        n = len(self.ids)
        verdicts = [VERDICTS[v] for v in self.verdicts.tolist()]
        outcomes = {k: [OUTCOMES[c] for c in v.tolist()] for k, v in self.outcomes.items()}
        outputs = {k: self._cells(k) for k in self.outputs}
        gone = {k: v.tolist() for k, v in self.absent.items()}
        fixed = (self.pack.id, self.pack.version, self.pack.digest, self.as_of.isoformat())
        out = []
        for i in range(n):
            row: dict[str, Any] = {
                "subject_id": self.ids[i],
                "pack": fixed[0],
                "pack_version": fixed[1],
                "digest": fixed[2],
                "as_of": fixed[3],
                "verdict": verdicts[i],
            }
            for key, col in outputs.items():
                row[f"outputs.{key}"] = col[i]
            for rid, oc in outcomes.items():
                if rid not in gone or not gone[rid][i]:
                    row[f"rules.{rid}"] = oc[i]
            out.append(row)
        return out

    def to_arrow(self, dictionaries: bool = False) -> Any:
        """The table rows as a ``pyarrow.Table`` (verdicts and outcomes dictionary-encoded).

        ``dictionaries``: the pack's fixed columns and the cells of few distinct values
        stay dictionary-encoded too, for CSV: Arrow's writer turns them into text as it
        writes (in the writing thread, :mod:`policyengine.csv_stream`), the same text."""
        from policyengine.sinks import column_type
        from policyengine.tables import require

        pa = require("pyarrow", "Arrow tables")
        n = len(self.ids)
        fixed = (self.pack.id, self.pack.version, self.pack.digest, self.as_of.isoformat())
        names = ["subject_id", "pack", "pack_version", "digest", "as_of", "verdict"]
        ids = self.ids
        arrays = [ids if isinstance(ids, pa.Array) else pa.array(list(ids), pa.string())]
        zeros = arrow_array(np.zeros(n, dtype=np.int32))
        for v in fixed:
            if dictionaries and v is not None:  # (Arrow unifies no dictionary holding a null)
                arrays.append(pa.DictionaryArray.from_arrays(zeros, pa.array([v], pa.string())))
            else:
                arrays.append(pa.repeat(pa.scalar(v, pa.string()), n))
        verdicts, outcomes = pa.array(VERDICTS, pa.string()), pa.array(OUTCOMES, pa.string())
        arrays.append(pa.DictionaryArray.from_arrays(arrow_array(self.verdicts), verdicts))
        for key, col in self.outputs.items():
            names.append(f"outputs.{key}")
            if isinstance(col, Vec) and col.values.dtype in (np.float64, np.bool_):
                arrays.append(arrow_array(col.values, ~col.known))
                continue
            if isinstance(col, Encoded):
                cells = col.cells
                if isinstance(cells, list):
                    cells = pa.array(cells, pa.string())
                elif isinstance(cells, pa.DictionaryArray) and (
                    not dictionaries or cells.dictionary.null_count
                ):
                    # written once per distinct value; plain text in the table (tables of
                    # several batches and packs are concatenated, their dictionaries differ)
                    cells = cells.dictionary_decode()
                arrays.append(cells)
                continue
            if isinstance(col, Coded):
                arrays.append(_coded_array(pa, col, dictionaries))
                continue
            values = col if isinstance(col, list) else self.output_values(key)
            kinds = set(map(type, values))
            if not kinds <= {int, str, bool, type(None)}:  # floats, lists, tables: as cells
                values = self._cells(key)
                kinds = set(map(type, values))
            kind, convert = column_type(pa, kinds)
            arrays.append(pa.array([convert(v) for v in values], kind))
        for rid, codes in self.outcomes.items():
            names.append(f"rules.{rid}")
            mask = self.absent.get(rid)
            indices = arrow_array(codes, mask)
            arrays.append(pa.DictionaryArray.from_arrays(indices, outcomes))
        return pa.Table.from_arrays(arrays, names=names)


def _coded_array(pa: Any, col: Coded, dictionaries: bool = False) -> Any:
    """A coded output as an Arrow column: the distinct values converted once, then taken
    by code (``dictionaries``: text stays dictionary-encoded)."""
    from policyengine.sinks import cell, column_type

    distinct = list(col.distinct)
    kinds = set(map(type, col.used()))
    if not kinds <= {int, str, bool, type(None)}:  # floats, lists, tables: as cells
        distinct = [cell(v) for v in distinct]
        kinds = {type(v) for v in (cell(v) for v in col.used())}
    kind, convert = column_type(pa, kinds)
    if kind == pa.null():
        return pa.nulls(len(col.codes))
    codes = np.asarray(col.codes)
    indices = arrow_array(codes.astype(np.int32), codes < 0)
    values = pa.array([convert(v) for v in distinct], kind)
    if dictionaries and kind == pa.string() and values.null_count == 0:
        return pa.DictionaryArray.from_arrays(indices, values)
    return values.take(indices)
