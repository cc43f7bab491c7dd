"""The columnar backend: a whole pack over many communities, one array operation at a time.

Compiled from the same plan as the row path (:func:`policyengine.plan.plan_for`: the same
parsed expressions, the same conditions in normal form) and deciding exactly as
:mod:`policyengine.engine` does, step by step:

1. parameters, the programme year and the phase are scalars for the ``as_of`` date;
2. derived facts are columns (:func:`vector.value`);
3. each rule: ``not_applicable`` where a parameter it reads is not set on that date,
   ``unknown`` where a fact it reads is missing, else its normalised condition
   (:func:`vector.holds`) decides ``pass``, ``fail`` or ``advisory``;
4. scales take the highest band reached; deadlines are assessed once per distinct
   evidence (the row path's own :func:`deadlines.assess`); the territory and the pilot
   unit once per distinct place (:mod:`.places`, the row path's own functions);
5. summaries, tables, tallies, fact lists (:mod:`.kinds`), outputs and verdicts are array
   operations.

It gives what tables need: per community and pack the verdict, every output and every
rule's outcome. Sentences are not rendered: formats that show them use the row path. A
pack with Python hooks cannot run here: :func:`unsupported` says why, and callers fall back
to the row path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np

from policyengine import expressions as ex
from policyengine.columnar import kinds, places
from policyengine.columnar.columns import FactColumns
from policyengine.columnar.dates import monthly_keys
from policyengine.columnar.result import OUTCOMES, Coded, ColumnarResult, Encoded, Output
from policyengine.columnar.run import Run
from policyengine.columnar.vector import Array, Vec, value
from policyengine.deadlines import assess
from policyengine.facts import fact_catalogue
from policyengine.finding_parts import APPLICABILITY_RULE
from policyengine.pack import Pack
from policyengine.pilot import PILOT_RULE, pilot_only
from policyengine.plan import plan_for
from policyengine.plan.output import has_late_outputs
from policyengine.results import jsonable
from policyengine.scope import SCOPE_RULE
from policyengine.tables import require

__all__ = ["evaluate_columns", "unsupported"]

CODE = {o: np.int8(i) for i, o in enumerate(OUTCOMES)}
PASS, FAIL, UNKNOWN, NA, ADVISORY = (CODE[o] for o in OUTCOMES[:5])
BLOCKING = np.zeros(len(OUTCOMES), dtype=bool)
BLOCKING[[CODE["fail"], CODE["overdue"], CODE["met_late"]]] = True


def unsupported(pack: Pack) -> str | None:
    """Why the pack cannot run on columns (None when it can)."""
    if pack.hooks is not None:
        return f"{pack.id} has Python hooks ({pack.info.hooks})"
    if has_late_outputs(pack):
        return f"{pack.id} has outputs that read a table or a tally"
    windows = [d.path for d in pack.derived if d.count_dates or d.count_events]
    if windows or any(dl.after is not None for dl in pack.deadlines):
        return f"{pack.id} reads dates relative to facts ({', '.join(windows) or 'after'})"
    return None


def evaluate_columns(pack: Pack, cols: FactColumns, as_of: dt.date) -> ColumnarResult:
    """Evaluate a pack (one :func:`unsupported` accepts) over communities given as columns."""
    reason = unsupported(pack)
    if reason is not None:
        raise ValueError(f"the columnar backend cannot run this pack: {reason}")
    plan = plan_for(pack)
    run = Run(plan, cols, as_of)
    n = run.n
    app = plan.applicability
    if not pack.in_force(as_of):
        applicable, applicable_known = np.zeros(n, dtype=bool), np.ones(n, dtype=bool)
    elif app is not None:
        applicable_known = ~run.missing(app.sources)
        applicable = run.holds(app.when_id) & applicable_known
    else:
        applicable, applicable_known = np.ones(n, dtype=bool), np.ones(n, dtype=bool)
    inside = places.scope_codes(pack, run)  # 1 inside, 0 elsewhere, -1 not known
    if inside is not None and pack.in_force(as_of):
        applicable_known = applicable_known | (inside == 0)
        applicable = applicable & (inside != 0)
        applicable_known = applicable_known & ~((inside == -1) & applicable)
    off = applicable_known & ~applicable  # the pack does not apply: all not_applicable
    any_off = bool(off.any())

    outcomes: dict[str, Array] = {}
    outputs: dict[str, Output] = {}
    late: list[tuple[Any, Array, Array]] = []  # (rule item, its codes, rows still to decide)
    settled: set[str] = set()  # rules whose codes are already not applicable where off
    for item in plan.rules:
        rule = item.rule
        if run.unset(item.params):
            outcomes[rule.id] = np.full(n, NA, dtype=np.int8)
            continue
        miss_when = run.missing(item.when_sources)
        if item.late:
            code = np.where(miss_when, UNKNOWN, NA)
            outcomes[rule.id] = code
            decided = miss_when | ~run.holds(item.when_id)  # when false: not_applicable
            late.append((item, code, ~decided))
            continue
        # unknown where the condition's facts are missing; else not applicable where it
        # does not hold; else unknown where the requirement's facts are missing; else
        # pass or fail (advisory) by the requirement
        ok = run.holds(item.require_id) if item.require_id is not None else np.zeros(n, bool)
        code = np.where(ok, PASS, FAIL if rule.binding else ADVISORY)
        unknown = miss_when | run.missing(item.require_sources)
        na = off if any_off else None  # where the pack does not apply: not applicable
        if item.when_id is not None:
            na_when = ~run.holds(item.when_id) & ~miss_when
            na = na_when if na is None else na | na_when
        if na is not None:
            unknown &= ~na
            code = np.where(na, NA, code)
        outcomes[rule.id] = np.where(unknown, UNKNOWN, code)
        settled.add(rule.id)
    for sc in plan.scales:
        outcomes[sc.scale.id], outputs[sc.scale.output] = _scale(run, sc)
    for d in plan.deadlines:
        code, nxt = _deadline(run, d)
        outcomes[d.deadline.id] = code
        if d.deadline.output:
            outputs[d.deadline.output] = nxt
    if any_off:  # where the pack does not apply: every finding not applicable, outputs null
        for rid, code in outcomes.items():
            if rid not in settled:
                code[off] = NA
        for sc in plan.scales:
            outputs[sc.scale.output] = _null_where(outputs[sc.scale.output], off)
        for d in plan.deadlines:
            if d.deadline.output:
                outputs[d.deadline.output] = _null_where(outputs[d.deadline.output], off)
    for out in plan.outputs:
        v = value(out.expression, run.facts, run.params, n)
        outputs[out.name] = Vec(v.values, v.known & ~off)
    late_ids = {item.rule.id for item, _, _ in late}
    early = {k: v for k, v in outcomes.items() if k not in late_ids}  # what summaries count
    late_answers = kinds.summaries(run, plan, early, applicable & applicable_known, outputs)
    late_answers.update(kinds.tables(run, plan, outputs))
    for item, code, active in late:
        rows = active & ~off
        key = item.rule.table if item.rule.kind == "table" else item.rule.summary
        code[rows] = late_answers[key or ""][rows]
    for tally in plan.tallies:
        outputs[tally.output] = kinds.tally(plan, tally, outcomes)
    for fl in plan.fact_lists:  # null where the pack does not apply, as the row path
        said = kinds.fact_list(run, fl)
        outputs.update({k: _null_cells(v, off) for k, v in said.items()} if any_off else said)
    if pack.info.programme is not None:
        outputs.setdefault("program_year", Coded(np.zeros(n, dtype=np.int64), [run.year]))
    if pack.phases:
        outputs.setdefault(pack.info.phase_output, Coded(np.zeros(n, dtype=np.int64), [run.phase]))
    binding: dict[str, bool | Array] = {r.rule.id: r.rule.binding for r in plan.rules}
    binding.update({s.scale.id: s.scale.binding for s in plan.scales})
    binding.update({d.deadline.id: d.deadline.binding for d in plan.deadlines})
    first: dict[str, Array] = {}
    absent: dict[str, Array] = {}
    if inside is not None:
        scope_code = np.where(inside == 1, PASS, np.where(inside == 0, NA, UNKNOWN))
        first[SCOPE_RULE] = np.where(off, NA, scope_code).astype(np.int8)
    if app is not None and pack.in_force(as_of):
        # as the row path: where whether the pack applies is not known, a finding says so
        app_unknown = run.missing(app.sources) & ~off
        if app_unknown.any():
            first[APPLICABILITY_RULE] = np.full(n, UNKNOWN, dtype=np.int8)
            absent[APPLICABILITY_RULE] = ~app_unknown
    pilot = places.pilot_codes(pack, run)  # 1 the pilot unit, 0 another, -1 not known
    if pilot is not None:
        first[PILOT_RULE] = np.where(pilot == 1, PASS, np.where(pilot == 0, NA, UNKNOWN)).astype(
            np.int8
        )
        absent[PILOT_RULE] = off
        gap = (pilot != 1) & ~off  # elsewhere: the gap analysis, never binding
        for rid, code in outcomes.items():
            if binding[rid] is True:
                code[gap & BLOCKING[code]] = ADVISORY
                binding[rid] = ~gap
        for rid in pilot_only(pack) & set(outcomes):  # the pilot's alone, pilot not known
            code = outcomes[rid]
            code[(pilot == -1) & ~off & (code == NA)] = UNKNOWN
    binding.update(dict.fromkeys(first, True))
    outcomes = {**first, **outcomes}
    verdicts = _verdicts(outcomes, binding, applicable, applicable_known, n)
    return ColumnarResult(pack, as_of, list(cols.ids), verdicts, outcomes, outputs, absent)


def _null_cells(col: Encoded, where: Array) -> Encoded:
    """A fact list's cells (an Arrow dictionary array, :func:`kinds.fact_list`) with null
    where ``where`` is true: its indices are nulled, no cell is read."""
    pa = require("pyarrow", "result tables")
    pc = require("pyarrow.compute", "result tables")
    cells = col.cells
    indices = pc.if_else(pa.array(where), pa.scalar(None, cells.indices.type), cells.indices)
    return Encoded(pa.DictionaryArray.from_arrays(indices, cells.dictionary))


def _null_where(col: Output, where: Array) -> Output:
    if isinstance(col, Coded):
        return Coded(np.where(where, -1, col.codes), col.distinct)
    values = col if isinstance(col, list) else []
    return [None if w else v for v, w in zip(values, where.tolist(), strict=True)]


def _scale(run: Run, sc: Any) -> tuple[Array, Coded]:
    """A scale's outcomes and its output (the band value reached, or ``below``)."""
    n, scale = run.n, sc.scale
    code = np.full(n, NA, dtype=np.int8)
    level = np.full(n, -1, dtype=np.int64)  # codes into: below, then each band's value
    values = [jsonable(scale.below), *(jsonable(b.value) for b in sc.bands)]
    if run.unset(sc.params):
        return code, Coded(level, values)
    below = 0
    miss_when = run.missing(sc.when_sources)
    not_when = ~miss_when & ~run.holds(sc.when_id)
    miss = run.missing(sc.input_sources) & ~miss_when & ~not_when
    rated = ~(miss_when | not_when | miss)
    code[miss_when | miss] = UNKNOWN
    level[not_when] = below
    thresholds = [(ex.evaluate(b.threshold, {}, run.params), j) for j, b in enumerate(sc.bands)]
    reached_any = np.zeros(n, dtype=bool)
    # the highest threshold reached wins; on a tie the first band (as Python's max)
    for _, j in sorted(thresholds, key=lambda t: (t[0], -t[1])):
        hit = rated & run.holds(sc.bands[j].reached_id)
        level[hit] = j + 1
        reached_any |= hit
    code[rated & reached_any] = PASS
    code[rated & ~reached_any] = FAIL if scale.binding and scale.lowest_band_required else ADVISORY
    level[rated & ~reached_any] = below
    return code, Coded(level, values)


def _deadline(run: Run, d: Any) -> tuple[Array, Coded]:
    """A deadline, assessed once per distinct evidence (the row path's own function)."""
    dl, n = d.deadline, run.n
    code = np.full(n, NA, dtype=np.int8)
    miss_when = run.missing(d.when_sources)
    code[miss_when] = UNKNOWN
    active = ~miss_when & run.holds(d.when_id)
    distinct: list[Any]
    if d.evidence_is_value:
        col = run.facts[d.fact_paths[0]]
        codes = np.full(n, -1, dtype=np.int64)
        use = active & col.known
        ft = fact_catalogue("community").get(d.fact_paths[0])
        if ft is not None and ft.kind == "date_list":
            codes, distinct = _date_lists(run, dl, col, use)
        else:  # a year
            uniq, inverse = np.unique(col.values[use], return_inverse=True)
            codes[use] = inverse.reshape(-1)
            distinct = [int(v) for v in uniq.tolist()]
    else:
        miss = run.missing(d.evidence_sources)
        codes = np.where(miss, -1, run.holds(d.evidence_id).astype(np.int64))
        distinct = [False, True]
    decided: list[tuple[int, Any]] = []
    for ev in [*distinct, None]:  # code -1: the evidence is missing
        a = assess(dl, run.as_of, ev)
        outcome = a.outcome
        if outcome in ("overdue", "met_late") and not dl.binding:
            outcome = "advisory"
        decided.append((int(CODE[outcome]), jsonable(a.next_due)))
    by_code = np.array([c for c, _ in decided], dtype=np.int8)
    code[active] = by_code[codes[active]]
    evidence = np.where(codes < 0, len(decided) - 1, codes)  # not known: the last
    nxt = Coded(np.where(active, evidence, -1), [due for _, due in decided])
    return code, nxt


def _date_lists(run: Run, dl: Any, col: Vec, use: Array) -> tuple[Array, list[Any]]:
    """Each row's evidence code (-1: not used) and a list of dates for each code: one per
    distinct answer of a monthly deadline (:mod:`.dates`), else one per distinct list."""
    if dl.kind == "monthly":
        found = monthly_keys(dl, run.as_of, col)
        if found is not None:
            per_row, rep = found
            _, lists = col.groups()
            return np.where(use, per_row, -1), [lists[i] for i in rep.tolist()]
    codes, lists = col.groups()
    return np.where(use, codes, -1), list(lists)


def _verdicts(
    outcomes: Mapping[str, Array],
    binding: Mapping[str, bool | Array],
    applicable: Array,
    applicable_known: Array,
    n: int,
) -> Array:
    """``results.verdict_of`` over columns (a rule binding everywhere, nowhere or by row)."""
    blocking, unknown = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    any_bound, any_other = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    everywhere = [code for rid, code in outcomes.items() if binding[rid] is True]
    if everywhere:  # rules binding on every row: one stack, reduced at once
        stack = np.vstack(everywhere)
        blocking |= BLOCKING[stack].any(axis=0)
        unknown |= (stack == UNKNOWN).any(axis=0)
        any_bound[:] = True
        any_other |= (stack != NA).any(axis=0)
    for rid, code in outcomes.items():
        b = binding[rid]
        if b is False or b is True:
            continue
        mask = np.asarray(b, dtype=bool)
        blocking |= BLOCKING[code] & mask
        unknown |= (code == UNKNOWN) & mask
        any_bound |= mask
        any_other |= (code != NA) & mask
    all_na = any_bound & ~any_other
    verdict = np.zeros(n, dtype=np.int8)  # pass
    verdict[all_na] = 3
    verdict[unknown] = 2
    verdict[blocking] = 1
    verdict[~applicable_known] = 2
    verdict[applicable_known & ~applicable] = 3
    return verdict
