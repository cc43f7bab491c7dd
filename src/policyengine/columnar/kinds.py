"""Summaries, tables, tallies and fact lists over columns (see :mod:`policyengine.plan`).

Each gives what the row path's plan item gives for one community, for all of them: a
summary's true/false/null and the outcome of the rules that repeat it; a table's amount,
payers and row outputs (asked once per distinct level and previous level, through the
plan's own :meth:`~policyengine.plan.table.TablePlan.answer`); a tally's counts; a fact
list's false and missing facts. Lists and tables are JSON-encoded once per distinct value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from policyengine.columnar.result import OUTCOMES, Encoded
from policyengine.columnar.run import Run
from policyengine.columnar.vector import Array, Vec, value
from policyengine.plan import Plan
from policyengine.results import jsonable
from policyengine.sinks import cell

__all__ = ["fact_list", "summaries", "tables", "tally"]

_CODE = {o: i for i, o in enumerate(OUTCOMES)}
_IS_BLOCKING = np.zeros(len(OUTCOMES), dtype=bool)
_IS_BLOCKING[[_CODE["fail"], _CODE["overdue"], _CODE["met_late"]]] = True


def _areas(plan: Plan) -> dict[str, str | None]:
    """Each finding's area (rules and deadlines have one; scales none)."""
    out: dict[str, str | None] = {r.rule.id: r.rule.area for r in plan.rules}
    out.update({s.scale.id: None for s in plan.scales})
    out.update({d.deadline.id: d.deadline.area for d in plan.deadlines})
    return out


def _binding(plan: Plan) -> dict[str, bool]:
    out = {r.rule.id: r.rule.binding for r in plan.rules}
    out.update({s.scale.id: s.scale.binding for s in plan.scales})
    out.update({d.deadline.id: d.deadline.binding for d in plan.deadlines})
    return out


def summaries(
    run: Run,
    plan: Plan,
    decided: Mapping[str, Array],
    applicable: Array,
    outputs: dict[str, Any],
) -> dict[str, Array]:
    """Each summary's output (true/false/null) and, by output key, the outcome codes of
    the rules that repeat it (pass, fail, unknown)."""
    n = run.n
    areas, binding = _areas(plan), _binding(plan)
    answers: dict[str, Array] = {}
    for sp in plan.summaries:
        s = sp.summary
        counted = [
            codes
            for rid, codes in decided.items()
            if binding[rid] and (areas[rid] is not None or not s.with_area)
        ]
        holds = np.ones(n, dtype=bool)
        if sp.when is not None:
            v = value(sp.when, run.facts, run.params, n)
            holds = v.known & v.values.astype(bool)
        stack = np.vstack(counted) if counted else np.zeros((0, n), dtype=np.int8)
        failed = _IS_BLOCKING[stack].any(axis=0)
        unknown = (stack == _CODE["unknown"]).any(axis=0)
        passed = (stack == _CODE["pass"]).any(axis=0)
        meets = holds & applicable & ~failed & ~unknown
        if s.requires_a_pass:
            meets &= passed
        needs_pass = bool(s.requires_a_pass)
        known = holds & applicable & (failed | ~unknown) & (failed | passed | (not needs_pass))
        outputs[sp.output] = Vec(meets, known)
        code = np.full(n, _CODE["unknown"], dtype=np.int8)
        code[known & meets] = _CODE["pass"]
        code[known & ~meets] = _CODE["fail"]
        answers[sp.output] = code
    return answers


def tables(run: Run, plan: Plan, outputs: dict[str, Any]) -> dict[str, Array]:
    """Each table's outputs and, by table id, the outcome codes of the rules it decides."""
    n = run.n
    answers: dict[str, Array] = {}
    for tp in plan.tables.values():
        t = tp.table
        levels = outputs.get(t.level)
        if isinstance(levels, Vec):
            level_values = [
                jsonable(v) if k else None
                for v, k in zip(levels.values.tolist(), levels.known.tolist(), strict=True)
            ]
        else:
            level_values = levels if isinstance(levels, list) else [None] * n
        prev = run.facts[t.previous]
        previous = [
            (int(v) if float(v).is_integer() else v) if k else None
            for v, k in zip(prev.values.tolist(), prev.known.tolist(), strict=True)
        ]
        index: dict[tuple[Any, Any], int] = {}
        distinct: list[tuple[Any, Any]] = []
        which = np.empty(n, dtype=np.int64)
        for i, key in enumerate(zip(level_values, previous, strict=True)):
            c = index.get(key)
            if c is None:
                c = index[key] = len(distinct)
                distinct.append(key)
            which[i] = c
        answers_ = [tp.answer(level, prev, run.params) for level, prev in distinct]
        given = [tp.outputs(a) for a in answers_]
        code = np.array([_CODE[a.outcome] for a in answers_], dtype=np.int8)[which]
        rows = which.tolist()
        for k in given[0] if given else {}:
            values = [g.get(k) for g in given]
            if any(isinstance(v, dict | list) for v in values):
                cells = [cell(v) for v in values]
                outputs[k] = Encoded([cells[c] for c in rows])
            else:
                outputs[k] = [values[c] for c in rows]
        answers[tp.id] = code
    return answers


def _encode_rows(matrix: Array, build: Any) -> Encoded:
    """One JSON cell per row of a boolean ``matrix``, built once per distinct row."""
    n, width = matrix.shape
    if width == 0:
        return Encoded([cell(build(()))] * n)
    if width < 63:
        keys = matrix.astype(np.uint64) @ (np.uint64(1) << np.arange(width, dtype=np.uint64))
        uniq, inverse = np.unique(keys, return_inverse=True)
        first = np.zeros(len(uniq), dtype=np.int64)
        first[inverse.reshape(-1)[::-1]] = np.arange(n)[::-1]  # a row of each distinct key
        cells = [cell(build(tuple(matrix[i].tolist()))) for i in first.tolist()]
        return Encoded([cells[i] for i in inverse.reshape(-1).tolist()])
    return Encoded([cell(build(tuple(row))) for row in matrix.tolist()])


def tally(plan: Plan, tp: Any, outcomes: Mapping[str, Array]) -> Encoded:
    """``{group: {outcome: n}}`` for every community (every group and outcome listed)."""
    areas, binding = _areas(plan), _binding(plan)
    counted = tp.tally.count
    n = len(next(iter(outcomes.values()))) if outcomes else 0
    columns: list[Array] = []
    for group in tp.groups:
        members = [
            codes
            for rid, codes in outcomes.items()
            if areas[rid] == group and (binding[rid] or not tp.tally.binding_only)
        ]
        stack = np.vstack(members) if members else None
        for o in counted:
            if stack is None or o not in _CODE:
                columns.append(np.zeros(n, dtype=np.int64))
            else:
                columns.append((stack == _CODE[o]).sum(axis=0))
    # the JSON of {group: {outcome: n}} as json.dumps writes it, numbers filled in per row
    mark = 8_675_309_123  # a number no group is named after
    template = cell({g: dict.fromkeys(counted, mark) for g in tp.groups})
    template = template.replace("%", "%%").replace(str(mark), "%d")
    if not columns:
        return Encoded([template] * n)
    matrix = np.column_stack(columns)
    if matrix.max(initial=0) < 256:  # distinct rows through a byte view: one sort
        small = np.ascontiguousarray(matrix.astype(np.uint8))
        keys = small.view(np.dtype((np.void, small.shape[1]))).reshape(-1)
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        cells = [template % tuple(matrix[i].tolist()) for i in first.tolist()]
        return Encoded([cells[i] for i in inverse.reshape(-1).tolist()])
    return Encoded([template % tuple(row) for row in matrix.tolist()])


def fact_list(run: Run, fl: Any) -> dict[str, Encoded]:
    """The false facts and the missing ones of each community, under their output keys."""
    n = run.n
    false_cols, missing_cols = [], []
    for path in fl.paths:
        v = run.facts.get(path)
        if v is None:
            false_cols.append(np.zeros(n, dtype=bool))
            missing_cols.append(np.ones(n, dtype=bool))
            continue
        if v.values.dtype == bool:
            is_false = v.known & ~v.values
        else:
            is_false = np.array([x is False for x in v.values.tolist()], dtype=bool) & v.known
        false_cols.append(is_false)
        missing_cols.append(~v.known)
    out: dict[str, Encoded] = {}
    paths = fl.paths
    spec = fl.fact_list
    if spec.false_output:
        m = np.column_stack(false_cols) if false_cols else np.zeros((n, 0), dtype=bool)
        out[spec.false_output] = _encode_rows(
            m, lambda row: [p for p, f in zip(paths, row, strict=True) if f]
        )
    if spec.unknown_output:
        m = np.column_stack(missing_cols) if missing_cols else np.zeros((n, 0), dtype=bool)
        out[spec.unknown_output] = _encode_rows(
            m, lambda row: [p for p, f in zip(paths, row, strict=True) if f]
        )
    return out
