"""The columnar backend: a whole pack over many communities, one array operation at a time.

Compiled from the same parsed expressions as the row path (:func:`engine.compile_pack`)
and deciding exactly as :mod:`policyengine.engine` does, step by step:

1. parameters, the programme year and the phase are scalars for the ``as_of`` date;
2. derived facts are columns (:func:`vector.value`);
3. each rule: ``not_applicable`` where a parameter it reads is not set on that date,
   ``unknown`` where a fact it reads is missing, else its normalised condition
   (:func:`vector.holds`) decides ``pass``, ``fail`` or ``advisory``;
4. scales take the highest band reached; deadlines are assessed once per distinct
   evidence value (the row path's own :func:`deadlines.assess`);
5. outputs and verdicts are array operations.

It gives what tables need: per community and pack the verdict, every output and every
rule's outcome. Sentences (messages) are not rendered: formats that show them use the
row path. A pack with Python hooks cannot be run here: :func:`unsupported` says why, and
callers fall back to the row path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from policyengine import expressions as ex
from policyengine.columnar.columns import FactColumns
from policyengine.columnar.vector import Array, Vec, holds, scalar, value
from policyengine.deadlines import assess
from policyengine.engine import CompiledPack, compile_pack
from policyengine.pack import Pack
from policyengine.results import jsonable

__all__ = ["OUTCOMES", "ColumnarResult", "evaluate_columns", "unsupported"]

OUTCOMES = ("pass", "fail", "unknown", "not_applicable", "advisory", "due", "overdue", "met_late")
_CODE = {o: np.int8(i) for i, o in enumerate(OUTCOMES)}
PASS, FAIL, UNKNOWN, NA, ADVISORY = (_CODE[o] for o in OUTCOMES[:5])
_BLOCKING = np.array([_CODE["fail"], _CODE["overdue"], _CODE["met_late"]], dtype=np.int8)
VERDICTS = ("pass", "fail", "incomplete", "not_applicable")


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
    outputs: dict[str, Vec | list[Any]]
    """Output key → a column, or one JSON-ready value per community (as ``Result.outputs``
    holds it)."""

    def output_values(self, key: str) -> list[Any]:
        """One output as the JSON values ``Result.outputs`` holds (None where unknown)."""
        col = self.outputs[key]
        if isinstance(col, list):
            return col
        known = col.known.tolist()
        return [jsonable(x) if k else None for x, k in zip(col.values.tolist(), known, strict=True)]

    def verdict(self, i: int) -> str:
        """The verdict of community ``i``."""
        return VERDICTS[int(self.verdicts[i])]

    def rows(self) -> list[dict[str, Any]]:
        """The table rows of results.md: fixed columns, ``outputs.<key>``, ``rules.<id>``."""
        from policyengine.sinks import cell

        n = len(self.ids)
        verdicts = [VERDICTS[v] for v in self.verdicts.tolist()]
        outcomes = {k: [OUTCOMES[c] for c in v.tolist()] for k, v in self.outcomes.items()}
        outputs = {k: [cell(x) for x in self.output_values(k)] for k in self.outputs}
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
                row[f"rules.{rid}"] = oc[i]
            out.append(row)
        return out

    def to_arrow(self) -> Any:
        """The table rows as a ``pyarrow.Table`` (outputs typed from their values)."""
        from policyengine.sinks import cell, column_type
        from policyengine.tables import require

        pa = require("pyarrow", "Arrow tables")
        n = len(self.ids)
        fixed = (self.pack.id, self.pack.version, self.pack.digest, self.as_of.isoformat())
        names = ["subject_id", "pack", "pack_version", "digest", "as_of", "verdict"]
        arrays = [pa.array(list(self.ids), pa.string())]
        arrays += [pa.repeat(pa.scalar(v, pa.string()), n) for v in fixed]
        verdicts, outcomes = pa.array(VERDICTS, pa.string()), pa.array(OUTCOMES, pa.string())
        arrays.append(pa.DictionaryArray.from_arrays(pa.array(self.verdicts), verdicts))
        for key, col in self.outputs.items():
            names.append(f"outputs.{key}")
            if isinstance(col, Vec) and col.values.dtype in (np.float64, np.bool_):
                arrays.append(pa.array(col.values, mask=~col.known))
                continue
            values = [cell(x) for x in self.output_values(key)]
            kind, convert = column_type(pa, set(map(type, values)))
            arrays.append(pa.array([convert(v) for v in values], kind))
        for rid, codes in self.outcomes.items():
            names.append(f"rules.{rid}")
            arrays.append(pa.DictionaryArray.from_arrays(pa.array(codes), outcomes))
        return pa.Table.from_arrays(arrays, names=names)


def unsupported(pack: Pack) -> str | None:
    """Why the pack cannot run on columns (None when it can)."""
    if pack.hooks is not None:
        return f"{pack.id} has Python hooks ({pack.info.hooks})"
    return None


def _missing(keys: Sequence[str], sources: Mapping[str, Vec], n: int) -> Array:
    """Where any of the facts behind ``keys`` is missing (parameters are not facts)."""
    out = np.zeros(n, dtype=bool)
    for k in keys:
        if not k.startswith("params."):
            out |= ~sources[k].known
    return out


def _unset(names: Sequence[str], params: Mapping[str, Any]) -> bool:
    return any(params.get(p) is None for p in names)


class _Run:
    """One pack, one date, one set of columns: what every step reads."""

    def __init__(self, cp: CompiledPack, cols: FactColumns, as_of: dt.date) -> None:
        pack = cp.pack
        self.cp, self.n, self.as_of = cp, cols.n, as_of
        self.params = pack.parameters_at(as_of)
        self.year = pack.programme_year(as_of)
        self.phase = pack.phase_at(as_of)
        n = self.n
        facts: dict[str, Vec] = dict(cols.facts)
        for path in cp.read_paths:
            facts.setdefault(path, scalar(None, n))
        context = {
            "as_of.year": as_of.year,
            "as_of.month": as_of.month,
            "as_of.day": as_of.day,
            "programme.year": self.year,
            "as_of.phase": self.phase,
        }
        for path, v in context.items():
            facts[path] = scalar(v, n)
        for path, expr in cp.derived:
            if expr is not None:
                facts[path] = value(expr, facts, self.params, n)
        self.facts = facts
        self.sources = {
            key: value(node, facts, self.params, n) for key, node in cp.value_nodes.items()
        }
        self._normal: dict[ex.Expr, ex.Normal] = {}

    def holds(self, expr: ex.Expr) -> Array:
        cached = self._normal.get(expr)
        if cached is None:
            cached = self._normal[expr] = ex.normalise(expr)
        return holds(cached, self.sources, self.n)

    def missing(self, keys: Sequence[str]) -> Array:
        return _missing(keys, self.sources, self.n)


def evaluate_columns(pack: Pack, cols: FactColumns, as_of: dt.date) -> ColumnarResult:
    """Evaluate a pack (without hooks) over communities given as columns."""
    reason = unsupported(pack)
    if reason is not None:
        raise ValueError(f"the columnar backend cannot run this pack: {reason}")
    cp = compile_pack(pack)
    run = _Run(cp, cols, as_of)
    n = run.n
    params = run.params
    if not pack.in_force(as_of):
        applicable = np.zeros(n, dtype=bool)
        applicable_known = np.ones(n, dtype=bool)
    elif cp.applies is not None:
        applicable_known = ~run.missing(cp.applies_keys)
        applicable = run.holds(cp.applies) & applicable_known
    else:
        applicable = np.ones(n, dtype=bool)
        applicable_known = np.ones(n, dtype=bool)
    off = applicable_known & ~applicable  # the pack does not apply: all not_applicable

    outcomes: dict[str, Array] = {}
    binding: dict[str, bool] = {}
    outputs: dict[str, Vec | list[Any]] = {}
    for cr in cp.rules:
        rule = cr.rule
        code = np.full(n, NA, dtype=np.int8)
        if not _unset(cr.params, params):
            decided = np.zeros(n, dtype=bool)
            miss_when = run.missing(cr.when_keys)
            code[miss_when] = UNKNOWN
            decided |= miss_when
            if cr.when is not None:
                decided |= ~run.holds(cr.when)  # stays not_applicable
            miss = run.missing(cr.require_keys) & ~decided
            code[miss] = UNKNOWN
            decided |= miss
            ok = run.holds(cr.require) if cr.require is not None else np.zeros(n, dtype=bool)
            code[~decided & ok] = PASS
            code[~decided & ~ok] = FAIL if rule.binding else ADVISORY
        code[off] = NA
        outcomes[rule.id], binding[rule.id] = code, rule.binding
    for cs in cp.scales:
        scale = cs.scale
        code = np.full(n, NA, dtype=np.int8)
        out: list[Any] = [None] * n
        if not _unset(cs.params, params):
            below = jsonable(scale.below)
            level = np.empty(n, dtype=object)
            level[:] = [None] * n
            miss_when = run.missing(cs.when_keys)
            not_when = ~miss_when & (
                ~run.holds(cs.when) if cs.when is not None else np.zeros(n, dtype=bool)
            )
            miss = run.missing(cs.input_keys) & ~miss_when & ~not_when
            rated = ~(miss_when | not_when | miss)
            code[miss_when | miss] = UNKNOWN
            level[not_when] = below
            thresholds = [(ex.evaluate(t, {}, params), j, v) for j, (v, t) in enumerate(cs.bands)]
            reached_any = np.zeros(n, dtype=bool)
            # the highest threshold reached wins; on a tie the first band (Python's max)
            for _, j, band_value in sorted(thresholds, key=lambda t: (t[0], -t[1])):
                cond = ex.Compare(">=", cs.input, cs.bands[j][1])
                hit = rated & run.holds(cond)
                level[hit] = jsonable(band_value)
                reached_any |= hit
            code[rated & reached_any] = PASS
            code[rated & ~reached_any] = FAIL if scale.binding else ADVISORY
            level[rated & ~reached_any] = below
            out = level.tolist()
        code[off] = NA
        out = [None if o else v for o, v in zip(off.tolist(), out, strict=True)]
        outcomes[scale.id], binding[scale.id] = code, scale.binding
        outputs[scale.output] = out
    for cd in cp.deadlines:
        code, nxt = _deadline(run, cd)
        code[off] = NA
        outcomes[cd.deadline.id], binding[cd.deadline.id] = code, cd.deadline.binding
        if cd.deadline.output:
            outputs[cd.deadline.output] = [
                None if o else v for o, v in zip(off.tolist(), nxt, strict=True)
            ]
    for name, expr in cp.outputs:
        v = value(expr, run.facts, params, n)
        outputs[name] = Vec(v.values, v.known & ~off)
    if pack.info.programme is not None:
        outputs.setdefault("program_year", [run.year] * n)
    if pack.phases:
        outputs.setdefault(pack.info.phase_output, [run.phase] * n)
    verdicts = _verdicts(outcomes, binding, applicable, applicable_known, n)
    return ColumnarResult(pack, as_of, list(cols.ids), verdicts, outcomes, outputs)


def _deadline(run: _Run, cd: Any) -> tuple[Array, list[Any]]:
    """A deadline, assessed once per distinct evidence (the row path's own function)."""
    dl, n = cd.deadline, run.n
    code = np.full(n, NA, dtype=np.int8)
    nxt: list[Any] = [None] * n
    miss_when = run.missing(cd.when_keys)
    code[miss_when] = UNKNOWN
    active = ~miss_when
    if cd.when is not None:
        active &= run.holds(cd.when)
    # every row's evidence as a code into a list of distinct evidence values
    distinct: list[Any]
    if cd.evidence_is_value:
        col = run.facts[cd.fact_paths[0]]
        if col.values.dtype == object:  # date lists: only those of rows it applies to
            index: dict[Any, int] = {}
            distinct = []
            codes = np.full(n, -1, dtype=np.int64)
            values = col.values
            for i in np.flatnonzero(active & col.known).tolist():
                key = tuple(values[i])
                c = index.get(key)
                if c is None:
                    c = index[key] = len(distinct)
                    distinct.append(values[i])
                codes[i] = c
        else:  # a year
            values = np.where(col.known, col.values, 0.0)
            uniq, inverse = np.unique(values, return_inverse=True)
            codes = np.where(col.known, inverse.reshape(-1), -1)
            distinct = [int(v) for v in uniq.tolist()]
    else:
        miss = run.missing(cd.evidence_keys)
        done = run.holds(cd.evidence)
        codes = np.where(miss, -1, done.astype(np.int64))
        distinct = [False, True]
    answers = [*distinct, None]  # code -1: missing evidence
    decided: list[tuple[int, Any]] = []
    for ev in answers:
        a = assess(dl, run.as_of, ev)
        outcome = a.outcome
        if outcome in ("overdue", "met_late") and not dl.binding:
            outcome = "advisory"
        decided.append((int(_CODE[outcome]), jsonable(a.next_due)))
    by_code = np.array([c for c, _ in decided], dtype=np.int8)
    code[active] = by_code[codes[active]]
    due_of = [d for _, d in decided]
    take = codes.tolist()
    nxt = [due_of[c] if a else None for c, a in zip(take, active.tolist(), strict=True)]
    return code, nxt


def _verdicts(
    outcomes: Mapping[str, Array],
    binding: Mapping[str, bool],
    applicable: Array,
    applicable_known: Array,
    n: int,
) -> Array:
    """``results.verdict_of`` over columns."""
    bound = [outcomes[r] for r in outcomes if binding[r]]
    if bound:
        stack = np.vstack(bound)
        is_blocking = np.zeros(len(OUTCOMES), dtype=bool)
        is_blocking[_BLOCKING] = True
        blocking = is_blocking[stack].any(axis=0)
        unknown = (stack == UNKNOWN).any(axis=0)
        all_na = (stack == NA).all(axis=0)
    else:
        blocking = unknown = all_na = np.zeros(n, dtype=bool)
    verdict = np.zeros(n, dtype=np.int8)  # pass
    verdict[all_na] = 3
    verdict[unknown] = 2
    verdict[blocking] = 1
    verdict[~applicable_known] = 2
    verdict[applicable_known & ~applicable] = 3
    return verdict
