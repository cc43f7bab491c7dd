"""Summaries, tables, tallies and fact lists over columns (see :mod:`policyengine.plan`).

Each gives what the row path's plan item gives for one community, for all of them: a
summary's true/false/null and the outcome of the rules that repeat it; a table's amount,
payers and row outputs (asked once per distinct level and previous level, through the
plan's own :meth:`~policyengine.plan.table.TablePlan.answer`); a tally's counts; a fact
list's false and missing facts. Lists and tables are JSON-encoded once per distinct value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from policyengine.columnar.arrays import arrow_array
from policyengine.columnar.result import OUTCOMES, Coded, Encoded
from policyengine.columnar.run import Run
from policyengine.columnar.vector import Array, Vec, value
from policyengine.plan import Plan
from policyengine.results import jsonable
from policyengine.sinks import cell
from policyengine.tables import require

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


def _coded(col: Any, n: int) -> tuple[Array, list[Any]]:
    """``(codes, distinct JSON values)`` of an output or fact column (code -1: null)."""
    if isinstance(col, Coded):
        return np.asarray(col.codes, dtype=np.int64), list(col.distinct)
    if isinstance(col, Vec):
        known = col.known
        codes = np.full(n, -1, dtype=np.int64)
        if col.values.dtype == object:
            grouped, kept = col.groups()
            return grouped, [jsonable(v) for v in kept]
        uniq, inverse = np.unique(col.values[known], return_inverse=True)
        codes[known] = inverse.reshape(-1)
        return codes, [jsonable(v) for v in uniq.tolist()]
    values = col if isinstance(col, list) else [None] * n
    index: dict[Any, int] = {}
    found = [index.setdefault(json.dumps(jsonable(v), sort_keys=True), len(index)) for v in values]
    distinct: list[Any] = [None] * len(index)
    for v, c in zip(values, found, strict=True):
        distinct[c] = v
    codes = np.array(found, dtype=np.int64)
    none = [i for i, v in enumerate(distinct) if v is None]
    if none:
        codes[codes == none[0]] = -1
    return codes, distinct


def tables(run: Run, plan: Plan, outputs: dict[str, Any]) -> dict[str, Array]:
    """Each table's outputs and, by table id, the outcome codes of the rules it decides."""
    n = run.n
    answers: dict[str, Array] = {}
    for tp in plan.tables.values():
        t = tp.table
        level_codes, levels = _coded(outputs.get(t.level), n)
        prev_codes, previous = _coded(run.facts[t.previous], n)
        # one answer per distinct (level, previous): pairs of codes, -1 (null) included
        pair = (level_codes + 1) * (len(previous) + 1) + (prev_codes + 1)
        keys, which = np.unique(pair, return_inverse=True)
        which = which.reshape(-1)
        level_of, prev_of = [*levels, None], [*previous, None]
        distinct = [
            (level_of[k // (len(previous) + 1) - 1], prev_of[k % (len(previous) + 1) - 1])
            for k in keys.tolist()
        ]
        answers_ = [tp.answer(level, prev, run.params) for level, prev in distinct]
        given = [tp.outputs(a) for a in answers_]
        code = np.array([_CODE[a.outcome] for a in answers_], dtype=np.int8)[which]
        for k in given[0] if given else {}:
            outputs[k] = Coded(which, [jsonable(g.get(k)) for g in given])
        answers[tp.id] = code
    return answers


_TEXTS: dict[str, Any] = {}


def _texts(pa: Any, *texts: str) -> list[Any]:
    """Arrow text scalars, made once: a Python value given to a compute function is
    converted at every call, and pyarrow's conversion looks for optional modules each time."""
    for text in texts:
        if text not in _TEXTS:
            _TEXTS[text] = pa.scalar(text, pa.string())
    return [_TEXTS[text] for text in texts]


def _dictionary(inverse: Array, cells: list[str]) -> Encoded:
    """Cells given once per distinct value and a code per row: an Arrow dictionary column."""
    pa = require("pyarrow", "result tables")
    indices = arrow_array(np.asarray(inverse, dtype=np.int32).reshape(-1))
    return Encoded(pa.DictionaryArray.from_arrays(indices, pa.array(cells, pa.string())))


def _path_lists(columns: list[Array], paths: tuple[str, ...], n: int) -> Encoded:
    """Each row's list of the paths whose column is true, as JSON in ``json.dumps``'s
    spelling (``["a", "b"]``), written once per distinct row by Arrow (list, join)."""
    pa = require("pyarrow", "result tables")
    pc = require("pyarrow.compute", "result tables")
    if not paths or n == 0:
        return _dictionary(np.zeros(n, dtype=np.int32), [cell([])] if n else [])
    if len(paths) < 63:  # each row's paths as the bits of one integer: distinct rows
        key = np.zeros(n, dtype=np.int64)
        for j, col in enumerate(columns):
            key |= col.astype(np.int64) << j
        encoded = pc.dictionary_encode(arrow_array(key, kind=pa.int64()))
        indices = encoded.indices
        distinct = np.asarray(encoded.dictionary.to_numpy(), dtype=np.int64)
        matrix = ((distinct[:, None] >> np.arange(len(paths), dtype=np.int64)) & 1).astype(bool)
    else:
        indices = arrow_array(np.arange(n, dtype=np.int32))
        matrix = np.column_stack(columns)
    _, items = np.nonzero(matrix)  # row by row, in path order
    offsets = np.zeros(len(matrix) + 1, dtype=np.int32)
    np.cumsum(matrix.sum(axis=1), out=offsets[1:])
    quoted = pa.array([json.dumps(p, ensure_ascii=False) for p in paths], pa.string())
    lists = pa.ListArray.from_arrays(arrow_array(offsets), quoted.take(arrow_array(items)))
    t = _texts(pa, "[", ", ", "]", "")
    cells = pc.binary_join_element_wise(t[0], pc.binary_join(lists, t[1]), t[2], t[3])
    return Encoded(pa.DictionaryArray.from_arrays(indices, cells))


def tally(plan: Plan, tp: Any, outcomes: Mapping[str, Array]) -> Encoded:
    """``{group: {outcome: n}}`` for every community (every group and outcome listed).

    A group's text is written once per distinct counts of that group, a row's cell once per
    distinct combination of its groups' texts (an Arrow dictionary column)."""
    areas, binding = _areas(plan), _binding(plan)
    counted = tp.tally.count
    n = len(next(iter(outcomes.values()))) if outcomes else 0
    mark = "8675309123"  # a number no group is named after
    pieces = cell({g: dict.fromkeys(counted, int(mark)) for g in tp.groups}).split(mark)
    m = len(counted)
    if m == 0 or not tp.groups or n == 0:
        return _dictionary(np.zeros(n, dtype=np.int32), ["".join(pieces)])
    group_codes: list[Array] = []  # per group, each row's code into its distinct counts
    texts: list[list[str]] = []  # per group, the text of each of its distinct counts
    for g, group in enumerate(tp.groups):
        members = [
            c
            for rid, c in outcomes.items()
            if areas[rid] == group and (binding[rid] or not tp.tally.binding_only)
        ]
        base = len(members) + 1  # a count is at most the number of members
        key = np.zeros(n, dtype=np.int64)
        for o in reversed(counted):
            found = np.zeros(n, dtype=np.int64)
            for c in members if o in _CODE else ():
                found += c == _CODE[o]
            key = key * base + found
        present = np.flatnonzero(np.bincount(key, minlength=1))
        dense = np.zeros(int(present[-1]) + 1, dtype=np.int64)
        dense[present] = np.arange(len(present))
        own = []
        for k in present.tolist():
            words = []
            for j in range(m):
                k, count = divmod(k, base)
                words += [str(count), pieces[g * m + j + 1] if j < m - 1 else ""]
            own.append("".join(words))
        texts.append(own)
        group_codes.append(dense[key])
    pa = require("pyarrow", "result tables")
    pc = require("pyarrow.compute", "result tables")
    sizes = [len(own) for own in texts]
    if float(np.prod(np.array(sizes, dtype=np.float64))) < 2.0**62:  # one integer per row
        codes = np.zeros(n, dtype=np.int64)
        for c, size in zip(reversed(group_codes), reversed(sizes), strict=True):
            codes = codes * size + c
        encoded = pc.dictionary_encode(arrow_array(codes, kind=pa.int64()))
        indices = encoded.indices
        rest = np.asarray(encoded.dictionary.to_numpy(), dtype=np.int64)
        combos = []
        for size in sizes:
            rest, c = np.divmod(rest, size)
            combos.append(c)
    else:
        uniq, inverse = np.unique(np.column_stack(group_codes), axis=0, return_inverse=True)
        indices = arrow_array(inverse.reshape(-1).astype(np.int32))
        combos = list(uniq.T)
    # each group's text led by the text before it; the closing text after the last
    led = [[pieces[g * m] + t for t in own] for g, own in enumerate(texts)]
    led.append([pieces[len(texts) * m]])
    combos.append(np.zeros(len(combos[0]), dtype=np.int64))
    return Encoded(pa.DictionaryArray.from_arrays(indices, concat_texts(pa, led, combos)))


def concat_texts(pa: Any, tables: list[list[str]], codes: list[Array]) -> Any:
    """Row ``i`` is ``tables[0][codes[0][i]] + tables[1][codes[1][i]] + …``, as an Arrow
    string array: every row's texts as one list (taken by code from all the tables' texts
    in one array), joined by Arrow with no separator."""
    n = len(codes[0])
    starts = np.cumsum([0, *(len(t) for t in tables[:-1])])
    texts = pa.array([t for table in tables for t in table], pa.string())
    taken = np.column_stack([c + s for c, s in zip(codes, starts.tolist(), strict=True)])
    offsets = np.arange(0, n * len(tables) + 1, len(tables), dtype=np.int32)
    lists = pa.ListArray.from_arrays(
        arrow_array(offsets), texts.take(arrow_array(taken.reshape(-1)))
    )
    pc = require("pyarrow.compute", "result tables")
    return pc.binary_join(lists, _texts(pa, "")[0])


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
        elif v.values.dtype != object or not v.known.any():  # numbers are never False
            is_false = np.zeros(n, dtype=bool)
        else:
            is_false = np.array([x is False for x in v.values.tolist()], dtype=bool) & v.known
        false_cols.append(is_false)
        missing_cols.append(~v.known)
    out: dict[str, Encoded] = {}
    spec = fl.fact_list
    if spec.false_output:
        out[spec.false_output] = _path_lists(false_cols, fl.paths, n)
    if spec.unknown_output:
        out[spec.unknown_output] = _path_lists(missing_cols, fl.paths, n)
    return out
