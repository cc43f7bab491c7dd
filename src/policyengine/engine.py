"""Evaluating a community against a pack: from facts to findings, a verdict and outputs.

For each subject:

1. the pack's parameters are resolved for ``as_of`` (and its programme year);
2. derived facts are computed (``[[derived]]`` expressions, then the pack's hook);
3. each rule is decided *before the backend*: ``not_applicable`` if a parameter it reads
   has no value on that date, ``unknown`` if a fact it reads is missing;
4. the plan's backend (:mod:`policyengine.backends`, durable-rules by default) answers
   which conditions hold for the row of values the plan compares;
5. findings, scale bands and outputs are assembled, and the verdict is taken.

A pack is compiled once per content (its digest) into a :class:`~policyengine.plan.Plan`
and reused for every subject. Findings hold data and a :class:`~policyengine.messages.Reason`;
their sentences are rendered only when read (:mod:`policyengine.messages`).
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections.abc import Mapping, Sequence
from typing import Any, cast

import attrs
import pluggy

from policyengine import duties, relative_time, scope
from policyengine import expressions as ex
from policyengine.backends import DEFAULT
from policyengine.contracts import EvaluationContext, RuleDecision
from policyengine.deadlines import Assessment, assess
from policyengine.exceptions import PackError
from policyengine.facts import Community, Jurisdiction, flatten
from policyengine.messages import FROM_INPUTS, PASSED, FactValues, Reason, Text, render, value
from policyengine.pack import Deadline, Pack, Rule, Scale
from policyengine.pilot import apply_pilot
from policyengine.plan import Level, Plan, plan_for
from policyengine.plan.common import CONTEXT_FACTS
from policyengine.plan.condition_rule import RuleItem
from policyengine.plan.deadline import DeadlineItem
from policyengine.plan.ids import ValueSource
from policyengine.plan.scale import ScaleItem
from policyengine.plan.table import TableAnswer
from policyengine.plugins import pack_plugin_manager
from policyengine.programme import standard_year
from policyengine.results import Finding, Outcome, Result, jsonable, verdict_of

__all__ = [
    "CONTEXT_FACTS",
    "EvaluationContext",
    "Prepared",
    "RuleDecision",
    "clear_caches",
    "compile_pack",
    "decide",
    "evaluate_community",
    "prepare",
]

ENGINE_VERSION = "0.1.0"


@attrs.frozen
class _HookUse:
    """Which pack hooks the pack's module implements (so the others are not called)."""

    derive_facts: bool
    outputs: bool


def _hook_use(pm: pluggy.PluginManager) -> _HookUse:
    def used(caller: Any) -> bool:  # the hook guard's wrappers do not count
        return any(not impl.wrapper for impl in caller.get_hookimpls())

    return _HookUse(used(pm.hook.pack_derive_facts), used(pm.hook.pack_outputs))


_PLUGINS: weakref.WeakKeyDictionary[Pack, tuple[pluggy.PluginManager, _HookUse]] = (
    weakref.WeakKeyDictionary()
)
_PLUGINS_LOCK = threading.Lock()


def _plugins(pack: Pack) -> tuple[pluggy.PluginManager, _HookUse]:
    """The pack's hook manager and which hooks it implements, once per loaded pack."""
    found = _PLUGINS.get(pack)
    if found is not None:
        return found
    with _PLUGINS_LOCK:
        found = _PLUGINS.get(pack)
        if found is None:
            pm = pack_plugin_manager(pack)
            found = _PLUGINS[pack] = (pm, _hook_use(pm))
        return found


def compile_pack(pack: Pack, level: Level = "community") -> Plan:
    """Type-check and compile one level of the pack (once per content): its :class:`Plan`.

    ``community``: rules, scales, deadlines, derived facts and outputs for communities;
    ``jurisdiction``: the jurisdiction rules and deadlines, over jurisdiction facts and the
    pack's aggregates.
    """
    plan = plan_for(pack, level)
    _plugins(pack)
    return plan


# ------------------------------------------------------------------------- evaluating


_RENDERED: dict[tuple[str, int, int], tuple[ex.Expr, Mapping[str, Any], Any]] = {}


def _cached(kind: str, expr: ex.Expr, params: Mapping[str, Any], compute: Any) -> Any:
    """``compute(expr, params)``, remembered for this expression and parameter mapping.

    Parameter mappings are cached per date (:meth:`Plan.parameters_at`), so renderings of
    conditions and band thresholds are computed once per pack and date. The cache keeps
    both objects alive, so their ids cannot be reused while an entry exists.
    """
    key = (kind, id(expr), id(params))
    hit = _RENDERED.get(key)
    if hit is not None and hit[0] is expr and hit[1] is params:
        return hit[2]
    if len(_RENDERED) > 20_000:
        _RENDERED.clear()
    found = compute(expr, params)
    _RENDERED[key] = (expr, params, found)
    return found


def _render(expr: ex.Expr, params: Mapping[str, Any] | None = None) -> str:
    return str(_cached("render", expr, params or _NO_PARAMS, ex.render))


def _threshold(expr: ex.Expr, params: Mapping[str, Any]) -> Any:
    return _cached("value", expr, params, lambda e, p: ex.evaluate(e, {}, p))


_NO_PARAMS: Mapping[str, Any] = {}
_NO_CLAUSES: Mapping[str, str | None] = {}


def _actual(paths: Sequence[str], facts: Mapping[str, Any]) -> FactValues | None:
    if not paths:
        return None
    return FactValues(tuple([(p, facts.get(p)) for p in paths]))


def _responsible(units: Sequence[str]) -> Reason | str:
    return Reason("responsible", {"units": units}) if units else ""


class _Static:
    """What a finding of one rule, scale or deadline says whatever the facts: its title,
    clause and quote (citing the parameter entries in force, :func:`duties.finish`), its
    responsible units (the rule's, then the scope's), parameters and their clauses."""

    __slots__ = (
        "area",
        "binding",
        "clause",
        "clauses",
        "dated",
        "expected",
        "id",
        "parameters",
        "passed_dated",
        "quote",
        "responsible",
        "title",
        "unset",
        "unset_reason",
    )

    def __init__(
        self,
        rule: Rule | Scale | Deadline,
        params: Mapping[str, Any],
        param_names: Sequence[str],
        clauses: Mapping[str, str | None],
        cite: tuple[str, str] | None,
        dated: bool,
        as_of: dt.date,
        units: Sequence[str],
        expected: Text | None = None,
    ) -> None:
        self.id = rule.id
        self.title = rule.title
        self.clause, self.quote = cite if cite is not None else (rule.clause, rule.quote)
        own = rule.responsible
        extra = tuple(u for u in units if u not in own)  # as scope.with_units adds them
        self.responsible = (*own, *extra) if extra else own
        self.binding = rule.binding
        self.parameters = {p: params.get(p) for p in param_names}
        self.area = rule.area if isinstance(rule, Rule | Deadline) else None
        self.clauses = clauses
        self.dated = dated
        self.expected = expected
        self.unset = _unset_params(param_names, params)
        self.unset_reason = _unset(as_of, self.unset) if self.unset else None
        self.passed_dated: tuple[str, dt.date | None] | None = None
        """A dated rule's pass, as :func:`duties.finish` says it (message and due date)."""


def _finding(
    st: _Static,
    outcome: Outcome,
    facts: Mapping[str, Any],
    paths: Sequence[str],
    expected: Text | None,
    message: Text,
    actual: Text | None = None,
    clauses: Mapping[str, str | None] | None = None,
    due: dt.date | None = None,
) -> Finding:
    return Finding(
        st.id,
        outcome,
        st.title,
        st.clause,
        st.quote,
        st.responsible,
        {p: facts.get(p) for p in paths},
        expected,
        actual if actual is not None else FROM_INPUTS,
        message,
        st.binding,
        st.parameters,
        st.area,
        st.clauses if clauses is None else clauses,
        due,
    )


@attrs.frozen(eq=False)
class _Statics:
    """The :class:`_Static` of every rule, scale and deadline of a plan, for one date,
    parameter mapping and scope units (computed once, reused for every subject)."""

    plan: Plan
    params: Mapping[str, Any]
    rules: tuple[_Static, ...]
    scales: tuple[_Static, ...]
    deadlines: tuple[_Static, ...]
    dated: frozenset[str]
    """Rules whose findings name a due date (:func:`duties.finish` dates them)."""
    ids: frozenset[str]
    """The rules, scales and deadlines whose findings are built from these statics."""


def _citation(
    pack: Pack, rule: Rule | Scale | Deadline, names: Sequence[str], as_of: dt.date, year: Any
) -> tuple[str, str] | None:
    if not names:
        return None
    probe = Finding(
        "", "not_applicable", rule.title, rule.clause, rule.quote, (), {}, None, None, "",
        parameters=dict.fromkeys(names),
    )  # fmt: skip
    cited = duties.finish([probe], pack, as_of, year)[0]
    return (cited.clause, cited.quote) if cited is not probe else None


def _scale_expected(item: ScaleItem, params: Mapping[str, Any]) -> Reason:
    lowest = item.bands[0]
    args = {
        "input": _render(item.input),
        "lowest": _render(lowest.threshold, params),
        "label": lowest.label,
    }
    return Reason("scale_expected", args)


def _build_statics(
    plan: Plan, params: Mapping[str, Any], as_of: dt.date, year: Any, units: Sequence[str]
) -> _Statics:
    pack = plan.pack
    by_id = {r.id: r for r in pack.rules}
    dated = {
        rid
        for rid in [r.rule.id for r in plan.rules]
        + [s.scale.id for s in plan.scales]
        + [d.deadline.id for d in plan.deadlines]
        if rid in by_id and duties.due_date(by_id[rid], pack, as_of, year) is not None
    }

    def static(
        rule: Rule | Scale | Deadline,
        names: Sequence[str],
        clauses: Mapping[str, str | None],
        expected: Text | None = None,
    ) -> _Static:
        cite = _citation(pack, rule, names, as_of, year)
        return _Static(rule, params, names, clauses, cite, rule.id in dated, as_of, units, expected)

    rules = tuple(
        static(
            r.rule,
            r.params,
            r.clauses,
            _render(r.require, params) if r.require is not None else None,
        )
        for r in plan.rules
    )
    scales = tuple(
        static(sc.scale, sc.params, sc.clauses, _scale_expected(sc, params)) for sc in plan.scales
    )
    deadlines = tuple(static(d.deadline, (), _NO_CLAUSES) for d in plan.deadlines)
    for rst in rules:
        if rst.dated:  # a pass says the same whatever the facts: dated once
            probe = _finding(rst, "pass", {}, (), rst.expected, PASSED)
            done = duties.finish([probe], pack, as_of, year)[0]
            rst.passed_dated = (done.message, done.due)
    ids = frozenset(s.id for s in (*rules, *scales, *deadlines))
    return _Statics(plan, params, rules, scales, deadlines, frozenset(dated), ids)


_STATICS: dict[tuple[int, int, dt.date, Any, tuple[str, ...]], _Statics] = {}


def _statics(
    plan: Plan, params: Mapping[str, Any], as_of: dt.date, year: Any, units: Sequence[str]
) -> _Statics:
    """The plan's :class:`_Statics` for this date, parameter mapping and units, cached
    (parameter mappings are cached per date by :meth:`Plan.parameters_at`)."""
    key = (id(plan), id(params), as_of, year, tuple(units))
    found = _STATICS.get(key)
    if found is not None and found.plan is plan and found.params is params:
        return found
    if len(_STATICS) > 2_000:
        _STATICS.clear()
    found = _STATICS[key] = _build_statics(plan, params, as_of, year, units)
    return found


def _finish(findings: list[Finding], st: _Statics, as_of: dt.date, year: Any) -> list[Finding]:
    """:func:`duties.finish` where it changes something: citations are already in the
    findings (:class:`_Static`), so only findings due on a date are dated."""
    due = [i for i, f in enumerate(findings) if f.rule in st.dated and f.due is None]
    if not due:
        return findings
    dated = duties.finish([findings[i] for i in due], st.plan.pack, as_of, year)
    out = list(findings)
    for i, f in zip(due, dated, strict=True):
        out[i] = f
    return out


_NONE_MISSING: list[str] = []  # shared, never changed: callers only test and read it


def _missing(sources: Sequence[ValueSource], values: Mapping[str, Any]) -> list[str]:
    """The facts (each once) whose values the sources need and do not have."""
    out: list[str] | None = None
    for s in sources:
        path = s.path
        if path is not None and values.get(s.key) is None:
            if out is None:
                out = [path]
            elif path not in out:
                out.append(path)
    return _NONE_MISSING if out is None else out


def _unset_params(names: Sequence[str], params: Mapping[str, Any]) -> list[str]:
    return [n for n in names if params.get(n) is None]


def _unset(as_of: dt.date, unset: Sequence[str]) -> Reason:
    return Reason(
        "param_unset", {"date": as_of.isoformat(), "names": [f"params.{n}" for n in unset]}
    )


def _with_results(
    ctx: EvaluationContext, findings: Mapping[str, Finding], outputs: Mapping[str, Any]
) -> EvaluationContext:
    return EvaluationContext(
        ctx.pack,
        ctx.subject,
        ctx.as_of,
        ctx.params,
        ctx.facts,
        ctx.programme_year,
        findings,
        outputs,
        ctx.applicable,
    )


_SUMMARY_OUTCOME: dict[bool | None, Outcome] = {True: "pass", False: "fail", None: "unknown"}


def _decide_late(
    item: RuleItem,
    st: _Static,
    ctx: EvaluationContext,
    plugins: pluggy.PluginManager,
    late: Mapping[str, Any],
) -> Finding:
    """A hook, table or summary rule, once its ``when`` holds."""
    rule, facts = item.rule, ctx.facts

    def make(
        outcome: Outcome,
        message: Text,
        expected: Text | None,
        actual: Text | None,
    ) -> Finding:
        return _finding(st, outcome, facts, item.fact_paths, expected, message, actual)

    if rule.kind == "table":
        answer = late[rule.table or ""]
        assert isinstance(answer, TableAnswer)
        return make(answer.outcome, answer.reason, answer.expected, answer.actual)
    if rule.kind == "summary":
        meets, reason, summary = late[rule.summary or ""]
        expected: Text = summary.expected or Reason("summary_expected", {"title": summary.title})
        actual = Reason("summary_actual", {"output": rule.summary, "value": meets})
        return make(_SUMMARY_OUTCOME[meets], reason, expected, actual)
    decision = plugins.hook.pack_evaluate_rule(rule=rule, context=ctx)
    if decision is None:
        raise PackError(f"{ctx.pack.id}: no pack_evaluate_rule hook decided rule {rule.id!r}")
    return make(decision.outcome, decision.message, decision.expected, decision.actual)


def _decide_rule(
    item: RuleItem,
    st: _Static,
    values: Mapping[str, Any],
    matched: frozenset[int],
    ctx: EvaluationContext,
    plugins: pluggy.PluginManager,
    late: Mapping[str, Any] | None = None,
) -> Finding:
    rule, facts, params = item.rule, ctx.facts, ctx.params
    expected = st.expected
    paths = item.fact_paths
    if st.unset_reason is not None:
        return _finding(st, "not_applicable", facts, paths, expected, st.unset_reason)
    if item.when is not None:  # (a rule without ``when`` reads no values for it)
        missing_when = _missing(item.when_sources, values)
        if missing_when:
            reason = Reason("when_unknown", {"paths": missing_when})
            return _finding(st, "unknown", facts, paths, expected, reason)
        if item.when_id not in matched:
            reason = Reason("when_false", {"condition": _render(item.when, params)})
            return _finding(st, "not_applicable", facts, paths, expected, reason)
    if item.late:
        return _decide_late(item, st, ctx, plugins, late or {})
    missing = _missing(item.require_sources, values)
    if missing:
        reason = Reason("require_unknown", {"paths": missing})
        return _finding(st, "unknown", facts, paths, expected, reason)
    if item.require_id in matched:
        if st.passed_dated is not None:
            message, due = st.passed_dated
            return _finding(st, "pass", facts, paths, expected, message, due=due)
        return _finding(st, "pass", facts, paths, expected, PASSED)

    def make(outcome: Outcome, message: Reason) -> Finding:
        return _finding(st, outcome, facts, paths, expected, message)

    actual = _actual(item.fact_paths, facts)
    if not rule.binding:
        return make("advisory", Reason("advisory", {"expected": expected, "actual": actual}))
    responsible = _responsible(rule.responsible)
    return make(
        "fail", Reason("fail", {"expected": expected, "actual": actual, "responsible": responsible})
    )


def _decide_scale(
    item: ScaleItem,
    st: _Static,
    values: Mapping[str, Any],
    matched: frozenset[int],
    ctx: EvaluationContext,
) -> tuple[Finding, Any]:
    scale, facts, params = item.scale, ctx.facts, ctx.params
    input_text = _render(item.input)
    lowest_text = _render(item.bands[0].threshold, params)
    expected = st.expected

    def make(outcome: Outcome, message: Reason) -> Finding:
        return _finding(st, outcome, facts, item.fact_paths, expected, message)

    if st.unset_reason is not None:
        return make("not_applicable", st.unset_reason), None
    missing_when = _missing(item.when_sources, values)
    if missing_when:
        return make("unknown", Reason("scale_unknown", {"paths": missing_when})), None
    if item.when is not None and item.when_id not in matched:
        reason = Reason("scale_when_false", {"condition": _render(item.when, params)})
        return make("not_applicable", reason), scale.below
    missing = _missing(item.input_sources, values)
    if missing:
        return make("unknown", Reason("scale_unknown", {"paths": missing})), None
    reached = [band for band in item.bands if band.reached_id in matched]
    input_value = ex.evaluate(item.input, facts, params)
    if not reached:
        reason = Reason(
            "scale_below",
            {
                "input": input_text,
                "value": input_value,
                "lowest": lowest_text,
                "responsible": _responsible(scale.responsible),
            },
        )
        return make("fail" if scale.binding else "advisory", reason), scale.below
    band = max(reached, key=lambda b: _threshold(b.threshold, params))
    reason = Reason(
        "scale_band",
        {
            "input": input_text,
            "value": input_value,
            "threshold": _render(band.threshold, params),
            "label": band.label,
        },
    )
    return make("pass", reason), band.value


def _decide_deadline(
    item: DeadlineItem,
    st: _Static,
    values: Mapping[str, Any],
    matched: frozenset[int],
    ctx: EvaluationContext,
) -> tuple[Finding, dt.date | None]:
    dl, facts, params = item.deadline, ctx.facts, ctx.params

    def make(
        outcome: Outcome,
        message: Text,
        expected: Text | None = None,
        actual: Text | None = None,
    ) -> Finding:
        return _finding(st, outcome, facts, item.fact_paths, expected, message, actual)

    missing_when = _missing(item.when_sources, values)
    if missing_when:
        return make("unknown", Reason("when_unknown", {"paths": missing_when})), None
    if item.when is not None and item.when_id not in matched:
        reason = Reason("when_false", {"condition": _render(item.when, params)})
        return make("not_applicable", reason), None
    if item.evidence_is_value:
        evidence = facts.get(item.fact_paths[0])
    else:
        evidence = None if _missing(item.evidence_sources, values) else item.evidence_id in matched
    if dl.after is not None:  # a term that runs from a date fact
        due = relative_time.due_of(dl, facts)
        if due is None:
            return make("unknown", Reason("require_unknown", {"paths": [dl.after]})), None
        dl = attrs.evolve(dl, due=due)
    a = _assess(dl, ctx.as_of, evidence)
    outcome = a.outcome
    message: Text = a.message
    if outcome in ("overdue", "met_late") and not dl.binding:
        outcome = "advisory"
    if outcome in ("overdue", "met_late", "advisory") and dl.responsible:
        message = Reason("then", {"first": a.message, "then": _responsible(dl.responsible)})
    return make(outcome, message, a.expected, a.actual), a.next_due


_ASSESSED: dict[tuple[int, dt.date, type, Any], tuple[Deadline, Assessment]] = {}


def _assess(dl: Deadline, as_of: dt.date, evidence: Any) -> Assessment:
    """:func:`deadlines.assess` (pure date arithmetic), remembered per deadline, date and
    evidence (a term running from a date fact is a new deadline each time: not kept)."""
    if dl.after is not None:
        return assess(dl, as_of, evidence)
    try:
        key = (id(dl), as_of, type(evidence), evidence)
        hit = _ASSESSED.get(key)
    except TypeError:  # evidence that cannot be a key
        return assess(dl, as_of, evidence)
    if hit is not None and hit[0] is dl:
        return hit[1]
    if len(_ASSESSED) > 4_096:
        _ASSESSED.clear()
    found = assess(dl, as_of, evidence)
    _ASSESSED[key] = (dl, found)
    return found


def clear_caches() -> None:
    """Forget what the row path remembers between evaluations (renderings, finding statics,
    scope checks, deadline assessments, context facts). Results never depend on it: this
    is for tests and for memory."""
    for cache in (_RENDERED, _STATICS, _WHERE, _SCOPE_FINDINGS, _ASSESSED, _CONTEXTS):
        cache.clear()


def _today() -> dt.date:
    return dt.date.today()


def _check_overrides(pack: Pack, parameters: Mapping[str, Any] | None) -> None:
    for name in parameters or {}:
        if name not in pack.parameters:
            raise PackError(
                f"{pack.id}: parameter override {name!r} is not a parameter of the pack"
            )


def _context_facts(pack: Pack, as_of: dt.date, year: int | None) -> dict[str, Any]:
    return {
        "as_of.year": as_of.year,
        "as_of.month": as_of.month,
        "as_of.day": as_of.day,
        "programme.year": year,
        "as_of.phase": pack.phase_at(as_of),
    }


_CONTEXTS: dict[tuple[int, dt.date], tuple[Plan, int | None, dict[str, Any]]] = {}


def _dated_context(
    plan: Plan, as_of: dt.date, parameters: Mapping[str, Any] | None
) -> tuple[int | None, Mapping[str, Any]]:
    """The standard's programme year and the context facts on ``as_of`` (kept per plan and
    date without overrides)."""
    pack = plan.pack
    if parameters:
        standard = standard_year(pack.info.programme, pack.parameters, as_of, parameters)
        return standard, _context_facts(pack, as_of, standard)
    key = (id(plan), as_of)
    hit = _CONTEXTS.get(key)
    if hit is not None and hit[0] is plan:
        return hit[1], hit[2]
    if len(_CONTEXTS) > 4_096:
        _CONTEXTS.clear()
    standard = standard_year(pack.info.programme, pack.parameters, as_of, None)
    context = _context_facts(pack, as_of, standard)
    _CONTEXTS[key] = (plan, standard, context)
    return standard, context


def _not_applicable(
    plan: Plan, st: _Statics, ctx: EvaluationContext, reason: Reason
) -> dict[str, Finding]:
    facts = ctx.facts
    message = Reason("not_applicable", {"reason": reason})
    by_rule: dict[str, Finding] = {}
    items = [
        *zip([r.fact_paths for r in plan.rules], st.rules, strict=True),
        *zip([sc.fact_paths for sc in plan.scales], st.scales, strict=True),
        *zip([d.fact_paths for d in plan.deadlines], st.deadlines, strict=True),
    ]
    for paths, static in items:
        by_rule[static.id] = _finding(
            static, "not_applicable", facts, paths, None, message, clauses=_NO_CLAUSES
        )
    return by_rule


def _decide(
    plan: Plan,
    st: _Statics,
    ctx: EvaluationContext,
    plugins: pluggy.PluginManager,
    values: Mapping[str, Any],
    matched: frozenset[int],
    applicable: bool | None,
    reason: Reason | None,
) -> tuple[list[Finding], dict[str, Any]]:
    """Findings in pack order (rules, scales, deadlines) and the outputs they give."""
    facts, params = ctx.facts, ctx.params
    outputs: dict[str, Any] = {}
    if applicable is False:
        assert reason is not None
        by_rule = _not_applicable(plan, st, ctx, reason)
        for sc in plan.scales:
            outputs[sc.scale.output] = None
        for d in plan.deadlines:
            if d.deadline.output:
                outputs[d.deadline.output] = None
    else:
        by_rule = {}
        for r, rst in zip(plan.rules, st.rules, strict=True):
            if not r.late:
                by_rule[rst.id] = _decide_rule(r, rst, values, matched, ctx, plugins)
        for sc, sst in zip(plan.scales, st.scales, strict=True):
            by_rule[sst.id], outputs[sc.scale.output] = _decide_scale(sc, sst, values, matched, ctx)
        for d, dst in zip(plan.deadlines, st.deadlines, strict=True):
            by_rule[dst.id], next_due = _decide_deadline(d, dst, values, matched, ctx)
            if d.deadline.output:
                outputs[d.deadline.output] = next_due
    scope = {**facts, **{f"outputs.{k}": v for k, v in outputs.items()}} if plan.outputs else {}
    for out in plan.outputs:
        # where the pack does not apply, its outputs say nothing: null
        outputs[out.name] = (
            ex.evaluate(out.expression, scope, params) if applicable is not False else None
        )
        scope[f"outputs.{out.name}"] = outputs[out.name]
    late: dict[str, Any] = {}
    if plan.summaries:
        decided = list(by_rule.values())
        for sp in plan.summaries:
            meets, why = sp.answer(decided, applicable, facts, params)
            outputs[sp.output] = meets
            late[sp.output] = (meets, why, sp.summary)
    for tp in plan.tables.values():
        answer = tp.answer(outputs.get(tp.table.level), facts.get(tp.table.previous), params)
        outputs.update(tp.outputs(answer))
        late[tp.id] = answer
    if applicable is not False and plan.late_rules:
        if plan.hook_rules:  # hooks see the findings and outputs so far
            ctx = _with_results(ctx, dict(by_rule), dict(outputs))
        for r, rst in zip(plan.rules, st.rules, strict=True):
            if r.late:
                by_rule[rst.id] = _decide_rule(r, rst, values, matched, ctx, plugins, late)
    findings = (
        [by_rule[r.rule.id] for r in plan.rules]
        + [by_rule[sc.scale.id] for sc in plan.scales]
        + [by_rule[d.deadline.id] for d in plan.deadlines]
    )
    for finisher in plan.finishers:
        outputs.update(finisher.outputs(findings, facts))
    return findings, outputs


def _dated_outputs(
    pack: Pack, outputs: dict[str, Any], year: int | None, phase: str | None
) -> None:
    if pack.info.programme is not None:
        outputs.setdefault("program_year", year)
    if pack.phases:
        outputs.setdefault(pack.info.phase_output, phase)


@attrs.frozen(eq=False)
class Prepared:
    """One community ready for the backend: its plan, facts, parameters and row of values.

    :func:`prepare` then :func:`decide` is :func:`evaluate_community` in two steps, so a
    caller can ask a backend about many rows at once (``plan.matcher.matching_many``).
    """

    plan: Plan
    context: EvaluationContext
    values: Mapping[str, Any]
    """The row the backend compares (:meth:`Plan.values`)."""


def prepare(
    community: Community,
    pack: Pack,
    as_of: dt.date | None = None,
    parameters: Mapping[str, Any] | None = None,
    backend: str = DEFAULT,
) -> Prepared:
    """Resolve parameters, read and derive the facts, and build the row of values."""
    as_of = as_of or _today()
    plan = plan_for(pack, "community", backend)
    plugins, hooks = _plugins(pack)
    _check_overrides(pack, parameters)
    params = plan.parameters_at(as_of, parameters)
    standard, context = _dated_context(plan, as_of, parameters)
    facts = flatten(community, plan.read_paths)
    facts.update(context)
    facts.update(relative_time.window_counts(pack, facts, as_of))
    for d in plan.derived:
        if d.expression is not None:
            facts[d.path] = ex.evaluate(d.expression, facts, params)
    ctx = EvaluationContext(pack, community, as_of, params, facts, standard)
    if hooks.derive_facts:
        for extra in plugins.hook.pack_derive_facts(context=ctx):
            if extra:
                facts.update(extra)
    return Prepared(plan, ctx, plan.values(facts, params))


_WHERE: dict[tuple[int, tuple[str, ...] | None], tuple[scope.Scope, scope.ScopeCheck]] = {}


def _where(territory: scope.Scope, jurisdiction: Sequence[str] | None) -> scope.ScopeCheck:
    """:func:`scope.check_community`, remembered per territory and place."""
    key = (id(territory), None if jurisdiction is None else tuple(jurisdiction))
    hit = _WHERE.get(key)
    if hit is not None and hit[0] is territory:
        return hit[1]
    if len(_WHERE) > 4_096:
        _WHERE.clear()
    found = scope.check_community(territory, jurisdiction)
    _WHERE[key] = (territory, found)
    return found


_SCOPE_FINDINGS: dict[tuple[int, int, bool], tuple[scope.Scope, scope.ScopeCheck, Finding]] = {}


def _scope_finding(territory: scope.Scope, where: scope.ScopeCheck, applies: bool) -> Finding:
    """:func:`scope.scope_finding`, remembered per territory, check and ``applies``."""
    key = (id(territory), id(where), applies)
    hit = _SCOPE_FINDINGS.get(key)
    if hit is not None and hit[0] is territory and hit[1] is where:
        return hit[2]
    if len(_SCOPE_FINDINGS) > 4_096:
        _SCOPE_FINDINGS.clear()
    found = scope.scope_finding(territory, where, applies)
    _SCOPE_FINDINGS[key] = (territory, where, found)
    return found


def decide(prepared: Prepared, matched: frozenset[int]) -> Result:
    """Findings, outputs and verdict of a prepared community, given which conditions hold."""
    plan, ctx, values = prepared.plan, prepared.context, prepared.values
    pack, as_of = ctx.pack, ctx.as_of
    assert isinstance(ctx.subject, Community)
    plugins, hooks = _plugins(pack)
    applicable: bool | None = True
    reason: Reason | None = None
    app = plan.applicability
    community = ctx.subject
    territory = pack.info.scope
    where = None if territory is None else _where(territory, community.community.jurisdiction)
    if not pack.in_force(as_of, ctx.params):
        applicable, reason = False, Reason("not_in_force", {"date": as_of.isoformat()})
    elif where is not None and where.inside is False:
        # the scope's own sentence (it names the place and the territory)
        applicable, reason = False, cast(Reason, where.message.removeprefix("不适用："))
    elif app is not None:
        applicable = None if _missing(app.sources, values) else app.when_id in matched
        reason = Reason("pack_not_applicable", {"condition": _render(app.when)})
    if applicable is True and where is not None and where.inside is None:
        applicable = None  # it may not apply: incomplete, every finding shown as if it did

    ctx = EvaluationContext(
        pack, ctx.subject, as_of, ctx.params, ctx.facts, ctx.programme_year, applicable=applicable
    )
    units = where.units if where is not None else ()
    st = _statics(plan, ctx.params, as_of, ctx.programme_year, units)
    findings, outputs = _decide(plan, st, ctx, plugins, values, matched, applicable, reason)
    if hooks.outputs:
        by_rule = {f.rule: f for f in findings}
        hook_ctx = _with_results(ctx, by_rule, dict(outputs))
        hook_outputs = plugins.hook.pack_outputs(context=hook_ctx, findings=tuple(findings))
        for extra in reversed(hook_outputs):
            if extra:
                outputs.update(extra)
    year = pack.programme_year(as_of, ctx.params)
    _dated_outputs(pack, outputs, year, ctx.facts["as_of.phase"])
    findings = _finish(findings, st, as_of, ctx.programme_year)
    if applicable is not False:
        findings = apply_pilot(pack, community, findings)
    if where is not None and pack.info.scope is not None:
        # as scope.with_scope: the findings built here name the units already (_Static)
        first = _scope_finding(pack.info.scope, where, applicable is not False)
        findings = [
            first,
            *(f if f.rule in st.ids else scope.with_units(f, where.units) for f in findings),
        ]
    return Result(
        pack_id=pack.id,
        pack_version=pack.version,
        pack_digest=pack.digest,
        engine_version=ENGINE_VERSION,
        subject_id=ctx.subject.id,
        subject_name=ctx.subject.name,
        subject_level="community",
        as_of=as_of,
        verdict=verdict_of(findings, applicable),
        findings=tuple(findings),
        outputs={k: jsonable(v) for k, v in outputs.items()},
    )


def evaluate_community(
    community: Community,
    pack: Pack,
    as_of: dt.date | None = None,
    parameters: Mapping[str, Any] | None = None,
    backend: str = DEFAULT,
) -> Result:
    """Evaluate one community against one pack on ``as_of`` (default: today).

    ``backend`` names the :mod:`policyengine.backends` backend that decides the conditions.
    """
    prepared = prepare(community, pack, as_of, parameters, backend)
    return decide(prepared, prepared.plan.matching(prepared.values))


def _aggregate_text(path: str, d: Mapping[str, Any]) -> str:
    found = d["value"]
    extra = Reason("aggregate_unknown_extra", {"n": d["unknown"]}) if d["unknown"] else ""
    if isinstance(found, float):
        share = f"{found:.1%}"
        args = {"path": path, "share": share, "met": d["met"], "known": d["known"]}
        return render(Reason("aggregate_share", {**args, "extra": extra}))
    return render(Reason("aggregate_value", {"path": path, "value": found, "extra": extra}))


def _explain_aggregates(f: Finding, details: Mapping[str, Mapping[str, Any]]) -> Finding:
    """Show each aggregate with its counts, and the unknown communities, in the finding."""
    used = [p for p in f.inputs if p in details]
    if not used:
        return f
    actual = "; ".join(
        _aggregate_text(p, details[p]) if p in details else f"{p} = {value(f.inputs[p])}"
        for p in f.inputs
    )
    message = f.message
    if f.actual and f.actual in message:
        message = message.replace(f.actual, actual)
    return attrs.evolve(
        f,
        inputs={k: details.get(k, v) for k, v in f.inputs.items()},
        actual=actual,
        message=message,
    )


def evaluate_jurisdiction_rules(
    jurisdiction: Jurisdiction,
    pack: Pack,
    as_of: dt.date,
    parameters: Mapping[str, Any] | None,
    aggregates: Mapping[str, float | int | None],
    details: Mapping[str, Mapping[str, Any]],
    where: scope.ScopeCheck | None = None,
) -> tuple[list[Finding], dict[str, Any]]:
    """The jurisdiction's own rules and deadlines, given its aggregates over communities.

    ``details`` explains each aggregate (met, known, unknown) and replaces its bare value in
    the findings' inputs.
    """
    plan = plan_for(pack, "jurisdiction")
    plugins, _ = _plugins(pack)
    _check_overrides(pack, parameters)
    params = plan.parameters_at(as_of, parameters)
    year = pack.programme_year(as_of, parameters)
    standard = standard_year(pack.info.programme, pack.parameters, as_of, parameters)
    facts = flatten(jurisdiction, plan.read_paths)
    facts.update(_context_facts(pack, as_of, standard))
    facts.update(aggregates)
    ctx = EvaluationContext(pack, jurisdiction, as_of, params, facts, standard)
    values = plan.values(facts, params)
    matched = plan.matching(values)
    applicable: bool | None = pack.in_force(as_of, parameters)
    reason = None if applicable else Reason("not_in_force", {"date": as_of.isoformat()})
    if applicable and where is not None and where.inside is not True:
        applicable = where.inside
        reason = cast(Reason, where.message.removeprefix("不适用："))
    st = _statics(plan, params, as_of, standard, ())
    findings, outputs = _decide(plan, st, ctx, plugins, values, matched, applicable, reason)
    findings = [_explain_aggregates(f, details) for f in findings]
    _dated_outputs(pack, outputs, year, facts["as_of.phase"])
    findings = _finish(findings, st, as_of, standard)
    return findings, outputs
