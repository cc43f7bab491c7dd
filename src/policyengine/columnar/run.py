"""One evaluation over columns: a pack's plan, a date and the facts as columns.

:class:`Run` resolves what every rule kind reads: parameters, the programme year and the
phase for the date, derived facts, and every value the plan's conditions compare (by its
key, as the row path's backends receive it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from policyengine import expressions as ex
from policyengine.columnar.columns import FactColumns
from policyengine.columnar.vector import Array, Vec, holds, scalar, value
from policyengine.plan import Plan, ValueSource
from policyengine.programme import standard_year

__all__ = ["Run"]


def _value_nodes(plan: Plan) -> dict[str, ex.Expr]:
    """Each value the plan's conditions compare, by key, as an expression node."""
    exprs: list[ex.Expr | None] = []
    for r in plan.rules:
        exprs += [r.when, r.require]
    for s in plan.scales:
        exprs += [s.input, s.when, *(b.threshold for b in s.bands)]
    for d in plan.deadlines:
        exprs += [d.when, None if d.evidence_is_value else d.evidence]
    if plan.applicability is not None:
        exprs.append(plan.applicability.when)
    found: dict[str, ex.Expr] = {}
    for expr in exprs:
        for node in ex.walk(expr) if expr is not None else ():
            if isinstance(node, ex.Field | ex.Param | ex.Count | ex.Contains):
                found.setdefault(ex.key_of(node), node)
    return found


class Run:
    """One pack, one date, one set of columns: what every step reads."""

    def __init__(self, plan: Plan, cols: FactColumns, as_of: dt.date) -> None:
        pack = plan.pack
        self.plan, self.n, self.as_of = plan, cols.n, as_of
        self.params = plan.parameters_at(as_of)
        self.year = pack.programme_year(as_of)
        self.phase = pack.phase_at(as_of)
        n = self.n
        facts: dict[str, Vec] = dict(cols.facts)
        for path in plan.read_paths:
            facts.setdefault(path, scalar(None, n))
        context = {
            "as_of.year": as_of.year,
            "as_of.month": as_of.month,
            "as_of.day": as_of.day,
            # the standard's year, as the row path reads it: year 3 stays after the programme
            "programme.year": standard_year(pack.info.programme, pack.parameters, as_of),
            "as_of.phase": self.phase,
        }
        for path, v in context.items():
            facts[path] = scalar(v, n)
        for d in plan.derived:
            if d.expression is not None:
                facts[d.path] = value(d.expression, facts, self.params, n)
        self.facts = facts
        self.sources = {
            key: value(node, facts, self.params, n) for key, node in _value_nodes(plan).items()
        }

    def holds(self, cond_id: int | None) -> Array:
        """Where condition ``cond_id`` of the plan holds (everywhere for no condition)."""
        if cond_id is None:
            return np.ones(self.n, dtype=bool)
        return holds(self.plan.normals[cond_id], self.sources, self.n)

    def missing(self, sources: Sequence[ValueSource]) -> Array:
        """Where a fact behind any of the sources is missing (parameters are not facts)."""
        out = np.zeros(self.n, dtype=bool)
        for s in sources:
            if s.path is not None:
                out |= ~self.sources[s.key].known
        return out

    def unset(self, names: Sequence[str]) -> bool:
        """Whether a parameter is not set on the date (the item is then not applicable)."""
        return any(self.params.get(p) is None for p in names)
