"""Typed communities from a table without the converter, for the rows the screen vouches for.

:func:`~policyengine.columnar.screen.screen` reads every cell of a table as arrays under
rules stricter than the row path's; a row it does not call doubtful holds only values the
row path accepts. Such a row becomes a :class:`~policyengine.facts.Community` built
directly, each value in the type the converter gives it (``int`` for a count, ``float``
for an amount, a tuple for a list), and checked by :func:`~policyengine.facts.
check_community` as every document is. Doubtful rows (and any row that check refuses) are
``None``: the caller reads them by the book, which accepts them with the same values or
reports them with their field paths. A table with a column outside the base vocabulary
(a pack's own facts) is read by the book as a whole.
"""

from __future__ import annotations

import typing
from typing import Any

import attrs
import numpy as np

from policyengine.columnar.screen import screen
from policyengine.facts import Community, check_community, fact_catalogue

__all__ = ["communities_of"]


def _sections() -> dict[str, type[Any]]:
    hints = typing.get_type_hints(Community)
    return {f.name: hints[f.name] for f in attrs.fields(Community) if attrs.has(hints[f.name])}


def communities_of(batch: Any) -> list[Community | None]:
    """One typed community per row of an Arrow batch whose columns are fact paths, or None
    where the row is to be read by the book."""
    n = batch.num_rows
    names = list(batch.schema.names)
    sections = _sections()
    split = [name.split(".") for name in names]
    if any(len(parts) != 2 or parts[0] not in sections for parts in split):
        return [None] * n
    screened = screen(batch, names)
    cols = screened.columns
    catalogue = fact_catalogue("community")
    out: list[Community | None] = [None] * n
    typed: list[tuple[str, str, list[Any], list[bool]]] = []
    for name, (section, field) in zip(names, split, strict=True):
        vec = cols.facts[name]
        kind = catalogue[name].kind
        if kind == "int":
            values: list[Any] = [
                int(v) if k else None
                for v, k in zip(vec.values.tolist(), vec.known.tolist(), strict=True)
            ]
        elif kind == "number":
            values = [float(v) for v in vec.values.tolist()]
        elif kind == "bool":
            values = [bool(v) for v in vec.values.tolist()]
        elif kind in ("list", "date_list"):
            values = [tuple(v) if v is not None else None for v in vec.values.tolist()]
        else:
            values = list(vec.values.tolist())
        typed.append((section, field, values, np.asarray(vec.known, dtype=bool).tolist()))
    for i, row in enumerate(np.asarray(screened.rows).tolist()):
        given: dict[str, dict[str, Any]] = {}
        for section, field, values, known in typed:
            if known[i]:
                given.setdefault(section, {})[field] = values[i]
        community = Community(**{s: sections[s](**fields) for s, fields in given.items()})
        if check_community(community, ""):
            continue  # a problem between facts: the book names it
        out[row] = community
    return out
