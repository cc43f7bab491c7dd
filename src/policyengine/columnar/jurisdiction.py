"""A jurisdiction over columns: its communities by the columnar backend, its aggregates on
the columns, its own rules by the engine.

The table rows of results.md for a jurisdiction document (its own row, then its
communities', then its children's, as :func:`policyengine.sinks.flat_rows` gives them),
equal to those of :func:`policyengine.jurisdictions.evaluate_jurisdiction`:

1. every community of the tree, placed where the documents nest it
   (:func:`~policyengine.jurisdictions.placed`), becomes one row of one set of columns,
   evaluated once by :func:`~policyengine.columnar.evaluate_columns`; each jurisdiction's
   subtree is a contiguous slice of them;
2. each ``[[aggregates]]`` entry is answered per community as arrays — a rule's outcome
   codes, an output column (``>= min``), or the pack's condition over the fact columns
   (:func:`~policyengine.columnar.vector.value`, the row path's three-valued semantics;
   per community through :func:`policyengine.expressions.evaluate` where a condition
   cannot be computed on columns) — and counted per slice (met, known, unknown, not
   applicable);
3. each jurisdiction's own rules, with the bounds the unknown communities leave, are the
   engine's (:func:`~policyengine.jurisdictions.judge`), given those counts.

A pack the columnar backend cannot run, or parameters overridden by the caller, go by the
row path (:func:`rows_of_jurisdiction` then returns its rows).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np

from policyengine import expressions as ex
from policyengine.columnar.backend import CODE, evaluate_columns, unsupported
from policyengine.columnar.columns import FactColumns
from policyengine.columnar.result import VERDICTS, ColumnarResult
from policyengine.columnar.vector import Array, Vec, value
from policyengine.facts import Community, Jurisdiction, flatten
from policyengine.jurisdictions import evaluate_jurisdiction, judge, placed, scope_of
from policyengine.pack import Aggregate, Pack
from policyengine.plan import plan_for
from policyengine.scope import SCOPE_RULE

__all__ = ["Answers", "answers_of", "rows_of_jurisdiction"]

Chain = tuple[tuple[str | None, str | None], ...]


@attrs.frozen(eq=False)
class Answers:
    """One aggregate over ``n`` communities: where it is met, decided, unknown, skipped."""

    met: Array
    known: Array
    unknown: Array
    skip: Array

    def detail(self, lo: int, hi: int, measure: str) -> dict[str, Any]:
        """The counts over communities ``lo:hi`` (``jurisdictions._aggregate``'s detail)."""
        met = int(np.count_nonzero(self.met[lo:hi]))
        known = int(np.count_nonzero(self.known[lo:hi]))
        value_: float | int | None = met if measure == "count" else (met / known if known else None)
        return {
            "value": value_,
            "met": met,
            "known": known,
            "unknown": int(np.count_nonzero(self.unknown[lo:hi])),
            "not_applicable": int(np.count_nonzero(self.skip[lo:hi])),
        }


@attrs.frozen(eq=False)
class _Node:
    jurisdiction: Jurisdiction
    within: Chain | None
    start: int
    own_end: int
    end: int
    children: tuple[_Node, ...]


def _walk(j: Jurisdiction, within: Chain | None, out: list[Community]) -> _Node:
    """Place the communities of ``j``'s subtree in ``out``, in the row path's order."""
    here = (*(within or ()), (j.name, j.jurisdiction.level))
    start = len(out)
    out.extend(placed(c, here) for c in j.communities)
    own_end = len(out)
    children = tuple(_walk(child, here, out) for child in j.jurisdictions)
    return _Node(j, within, start, own_end, len(out), children)


def _condition_answers(
    condition: ex.Expr, communities: list[Community], cols: FactColumns, params: Mapping[str, Any]
) -> tuple[Array, Array]:
    """(value, known) of a community condition over the columns, or per community."""
    n = cols.n
    try:
        v = value(condition, cols.facts, params, n)
        return np.asarray(v.values, dtype=bool) & v.known, np.asarray(v.known, dtype=bool)
    except Exception:  # a node the columns cannot compute: the row path's evaluator
        fields = ex.fields_of(condition)
        out = [ex.evaluate(condition, flatten(c, fields), params) for c in communities]
        known = np.fromiter((x is not None for x in out), dtype=bool, count=n)
        met = np.fromiter((bool(x) for x in out), dtype=bool, count=n)
        return met & known, known


def answers_of(
    agg: Aggregate,
    condition: ex.Expr | None,
    res: ColumnarResult,
    communities: list[Community],
    cols: FactColumns,
    params: Mapping[str, Any],
) -> Answers:
    """``jurisdictions._answer`` for every community at once."""
    n = len(communities)
    na = res.verdicts == VERDICTS.index("not_applicable")
    if agg.rule is not None:
        code = res.outcomes[agg.rule]
        skip = code == CODE["not_applicable"]
        unknown = code == CODE["unknown"]
        met = code == CODE["pass"]
    elif agg.output is not None:
        skip = na
        col = res.outputs[agg.output]
        if isinstance(col, Vec) and col.values.dtype in (np.float64, np.bool_):
            known = np.asarray(col.known, dtype=bool)
            with np.errstate(invalid="ignore"):
                hit = col.values >= agg.min if agg.min is not None else col.values.astype(bool)
        else:
            values = res.output_values(agg.output)
            known = np.fromiter((v is not None for v in values), dtype=bool, count=n)
            hit = np.fromiter(
                (
                    v is not None and bool(v >= agg.min if agg.min is not None else v)
                    for v in values
                ),
                dtype=bool,
                count=n,
            )
        unknown = ~skip & ~known
        met = ~skip & known & hit
    else:
        assert condition is not None
        skip = na
        hit, known = _condition_answers(condition, communities, cols, params)
        unknown = ~skip & ~known
        met = ~skip & hit
    if SCOPE_RULE in res.outcomes:  # a place that does not tell: unknown, as on rows
        doubtful = ~skip & (res.outcomes[SCOPE_RULE] == CODE["unknown"])
        unknown = unknown | doubtful
        met = met & ~doubtful
    decided = ~skip & ~unknown
    return Answers(met & decided, decided, unknown & ~skip, skip)


def rows_of_jurisdiction(
    jurisdiction: Jurisdiction,
    pack: Pack,
    as_of: dt.date,
    parameters: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The table rows of a jurisdiction document against one pack (module docstring)."""
    from policyengine.sinks import flat_rows

    if parameters is not None or unsupported(pack) is not None:
        result = evaluate_jurisdiction(jurisdiction, pack, as_of=as_of, parameters=parameters)
        return list(flat_rows(result))
    jplan = plan_for(pack, "jurisdiction")
    conditions = {a.aggregate.path: a.condition for a in jplan.aggregates}
    communities: list[Community] = []
    root = _walk(jurisdiction, None, communities)
    paths = set(plan_for(pack).read_paths)
    for cond in conditions.values():
        if cond is not None:
            paths.update(ex.fields_of(cond))
    cols = FactColumns.from_subjects(communities, sorted(paths))
    res = evaluate_columns(pack, cols, as_of)
    params = jplan.parameters_at(as_of, None)
    answers = {
        agg.path: answers_of(agg, conditions[agg.path], res, communities, cols, params)
        for agg in pack.aggregates
    }
    community_rows = res.rows() if communities else []
    verdicts = res.verdicts
    out: list[dict[str, Any]] = []

    def visit(node: _Node) -> None:
        lo, hi = node.start, node.end
        details = {a.path: answers[a.path].detail(lo, hi, a.measure) for a in pack.aggregates}
        counted = np.bincount(verdicts[lo:hi].astype(np.int64), minlength=len(VERDICTS))
        counts = {"total": hi - lo, **{v: int(counted[i]) for i, v in enumerate(VERDICTS)}}
        where = scope_of(pack, node.jurisdiction, node.within)
        own = judge(node.jurisdiction, pack, as_of, None, where, details, counts)
        out.extend(flat_rows(own))
        out.extend(community_rows[node.start : node.own_end])
        for child in node.children:
            visit(child)

    visit(root)
    return out
