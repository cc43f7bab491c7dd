"""Facts as columns: one array per fact path, with where each value is known.

Built from checked subjects (:class:`~policyengine.facts.Community`, so the values are
exactly those the row path reads, through :func:`~policyengine.facts.flatten`) or from an
Arrow table whose columns are fact paths (converted by :mod:`policyengine.tables`, and
checked row by row where a cell could be wrong).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np

from policyengine import pack_facts
from policyengine.columnar.vector import Array, Vec
from policyengine.facts import Community, fact_catalogue, flatten

__all__ = ["FactColumns"]


def _column(values: list[Any], kind: str) -> Vec:
    n = len(values)
    known = np.fromiter((v is not None for v in values), dtype=bool, count=n)
    if kind in ("int", "number"):
        arr: Array = np.fromiter(
            (float("nan") if v is None else float(v) for v in values), dtype=np.float64, count=n
        )
    elif kind == "bool":
        arr = np.fromiter((v is True for v in values), dtype=bool, count=n)
    else:
        arr = np.empty(n, dtype=object)
        arr[:] = values
    return Vec(arr, known)


@attrs.frozen(eq=False)
class FactColumns:
    """``n`` communities as columns: their ids and names, and one :class:`Vec` per fact."""

    n: int
    ids: Sequence[str]
    names: Sequence[str | None]
    facts: dict[str, Vec]

    @classmethod
    def from_subjects(cls, subjects: Sequence[Community], paths: Sequence[str]) -> FactColumns:
        """Columns of the given fact paths, read through ``flatten`` (the row path's reader)."""
        catalogue = {**fact_catalogue("community"), **pack_facts.column_types()}
        rows = [flatten(s, tuple(paths)) for s in subjects]
        facts: dict[str, Vec] = {}
        for path in paths:
            ft = catalogue.get(path)
            facts[path] = _column([r[path] for r in rows], ft.kind if ft else "text")
        return cls(len(subjects), [s.id for s in subjects], [s.name for s in subjects], facts)
