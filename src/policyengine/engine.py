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
import functools
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import pluggy

from policyengine import expressions as ex
from policyengine import finding_parts as fp
from policyengine import relative_time, scope
from policyengine.backends import DEFAULT
from policyengine.contracts import EvaluationContext, RuleDecision
from policyengine.deadlines import Assessment, assess
from policyengine.exceptions import PackError
from policyengine.facts import Community, Jurisdiction, flatten
from policyengine.messages import PASSED, FactValues, Reason, Text, Words, render, value
from policyengine.outputs import (
    dated_outputs,
    expression_outputs,
    finished_outputs,
    plain,
    table_outputs,
)
from policyengine.pack import Deadline, Pack
from policyengine.pilot import apply_pilot
from policyengine.plan import Level, Plan, plan_for
from policyengine.plan.common import CONTEXT_FACTS
from policyengine.plan.condition_rule import RuleItem
from policyengine.plan.deadline import DeadlineItem
from policyengine.plan.ids import ValueSource
from policyengine.plan.output import late_values
from policyengine.plan.scale import BandItem, ScaleItem
from policyengine.plan.table import TableAnswer
from policyengine.plugins import pack_plugin_manager
from policyengine.programme import standard_year
from policyengine.results import (
    Decided,
    Finding,
    Outcome,
    PendingFindings,
    Reader,
    Result,
    Verdict,
    verdict_of,
)

__all__ = [
    "CONTEXT_FACTS",
    "EvaluationContext",
    "HookUse",
    "Prepared",
    "RuleDecision",
    "clear_caches",
    "community_facts",
    "compile_pack",
    "decide",
    "evaluate_community",
    "prepare",
    "scale_outputs",
]

ENGINE_VERSION = "0.1.0"


@attrs.frozen
class HookUse:
    """Which pack hooks the pack's module implements (so the others are not called)."""

    derive_facts: bool
    outputs: bool


def _hook_use(pm: pluggy.PluginManager) -> HookUse:
    def used(caller: Any) -> bool:  # the hook guard's wrappers do not count
        return any(not impl.wrapper for impl in caller.get_hookimpls())

    return HookUse(used(pm.hook.pack_derive_facts), used(pm.hook.pack_outputs))


_PLUGINS: weakref.WeakKeyDictionary[Pack, tuple[pluggy.PluginManager, HookUse]] = (
    weakref.WeakKeyDictionary()
)
_PLUGINS_LOCK = threading.Lock()


def _plugins(pack: Pack) -> tuple[pluggy.PluginManager, HookUse]:
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


def _actual(paths: Sequence[str], facts: Mapping[str, Any]) -> FactValues | None:
    if not paths:
        return None
    return FactValues(tuple([(p, facts.get(p)) for p in paths]))


def _responsible(units: Sequence[str]) -> Reason | str:
    return Reason("responsible", {"units": units}) if units else ""


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


_TABLE_PARTS: dict[tuple[int, int], tuple[fp.FindingStatic, TableAnswer, fp.Part]] = {}


def _table_part(item: RuleItem, st: fp.FindingStatic, answer: TableAnswer) -> fp.Part:
    """A table rule decided by the table's answer, remembered per statics and answer (a
    table remembers its answers per level, previous level and parameters: a run meets the
    same few again and again; a part holds no fact)."""
    key = (id(st), id(answer))
    hit = _TABLE_PARTS.get(key)
    if hit is not None and hit[0] is st and hit[1] is answer:
        return hit[2]
    if len(_TABLE_PARTS) > 4_096:
        _TABLE_PARTS.clear()
    part = fp.Part(
        st, answer.outcome, item.fact_paths, answer.expected, answer.reason, answer.actual
    )
    _TABLE_PARTS[key] = (st, answer, part)
    return part


def _decide_late(
    item: RuleItem,
    st: fp.FindingStatic,
    ctx: EvaluationContext,
    plugins: pluggy.PluginManager,
    late: Mapping[str, Any],
) -> fp.Part:
    """A hook, table or summary rule, once its ``when`` holds."""
    rule = item.rule

    def make(
        outcome: Outcome,
        message: Text,
        expected: Text | None,
        actual: Text | None,
    ) -> fp.Part:
        return fp.Part(st, outcome, item.fact_paths, expected, message, actual)

    if rule.kind == "table":
        answer = late[rule.table or ""]
        assert isinstance(answer, TableAnswer)
        return _table_part(item, st, answer)
    if rule.kind == "summary":
        meets, reason, summary = late[rule.summary or ""]
        expected: Text = (
            Words(summary.expected, summary.expected_en)
            if summary.expected
            else Reason("summary_expected", {"title": Words(summary.title, summary.title_en)})
        )
        actual = Reason("summary_actual", {"output": rule.summary, "value": meets})
        return make(_SUMMARY_OUTCOME[meets], reason, expected, actual)
    decision = plugins.hook.pack_evaluate_rule(rule=rule, context=ctx)
    if decision is None:
        raise PackError(f"{ctx.pack.id}: no pack_evaluate_rule hook decided rule {rule.id!r}")
    return make(decision.outcome, decision.message, decision.expected, decision.actual)


# Why a condition rule has its outcome (its sentence is said from it when the finding is built)
_UNSET, _WHEN_UNKNOWN, _WHEN_FALSE = fp.WHY_UNSET, fp.WHY_WHEN_UNKNOWN, fp.WHY_WHEN_FALSE
_LATE, _REQUIRE_UNKNOWN, _PASSED, _UNMET = (
    fp.WHY_LATE,
    fp.WHY_REQUIRE_UNKNOWN,
    fp.WHY_PASSED,
    fp.WHY_UNMET,
)


def _rule_why(
    item: RuleItem, st: fp.FindingStatic, values: Mapping[str, Any], matched: frozenset[int]
) -> int:
    """Why a rule has its outcome (``_LATE``: a table, summary or hook rule whose ``when``
    holds, decided after the others); the outcome is its decision's
    (``PlanStatics.early_rules``)."""
    if st.unset_reason is not None:
        return _UNSET
    if item.when is not None:  # (a rule without ``when`` reads no values for it)
        for s in item.when_sources:
            if s.path is not None and values.get(s.key) is None:
                return _WHEN_UNKNOWN
        if item.when_id not in matched:
            return _WHEN_FALSE
    if item.late:
        return _LATE
    for s in item.require_sources:
        if s.path is not None and values.get(s.key) is None:
            return _REQUIRE_UNKNOWN
    if item.require_id in matched:
        return _PASSED
    return _UNMET


EarlyRules = Callable[
    [Callable[[str], Any], frozenset[int], dict[str, Any], Sequence[tuple[fp.Decision, ...]]],
    None,
]
"""``early(values.get, matched, by_rule, tables)``: each early rule's decision, by its id,
into ``by_rule``: ``tables[i][why]`` for the i-th early rule and its :func:`_rule_why`."""


def _why_source(item: RuleItem) -> str:
    """:func:`_rule_why` of one early rule (its parameters set) as a Python expression."""
    when = [s.key for s in item.when_sources if s.path is not None]
    require = [s.key for s in item.require_sources if s.path is not None]
    steps: list[tuple[str, int]] = []  # (condition, why if it holds), in _rule_why's order
    if item.when is not None:
        if when:
            steps.append((" or ".join(f"g({k!r}) is None" for k in when), _WHEN_UNKNOWN))
        steps.append((f"{item.when_id!r} not in matched", _WHEN_FALSE))
    if require:
        steps.append((" or ".join(f"g({k!r}) is None" for k in require), _REQUIRE_UNKNOWN))
    steps.append((f"{item.require_id!r} in matched", _PASSED))
    text = str(_UNMET)
    for condition, why in reversed(steps):
        text = f"({why} if {condition} else {text})"
    return text


def _early_rules(plan: Plan) -> EarlyRules:
    """Each early rule's decision, by why (:func:`_rule_why`), into the findings by id, in
    pack order, as one generated function (kept by the plan): the rules are decided for
    every subject, and one expression per rule costs less than a call of :func:`_rule_why`
    each. Ids and keys are written as ``repr`` literals and condition positions are
    integers, so no text of a pack becomes code. ``tests/test_generated_code.py`` holds it
    equal to :func:`_rule_why`."""

    def make() -> EarlyRules:
        early = [r for r in plan.rules if not r.late]
        lines = [
            f"    by_rule[{r.rule.id!r}] = tables[{i}][{_why_source(r)}]\n"
            for i, r in enumerate(early)
        ]
        source = "def early(g, matched, by_rule, tables):\n" + "".join(lines) + "    return None\n"
        namespace: dict[str, Any] = {}
        exec(compile(source, "<policyengine early rules>", "exec"), namespace)
        made: EarlyRules = namespace["early"]
        return made

    return fp.kept_by_plan(plan, "early rules", make)


def _rule_part(
    d: fp.Decision, values: Mapping[str, Any], facts: Mapping[str, Any], params: Mapping[str, Any]
) -> fp.Part:
    """A decided condition rule with its sentence."""
    item, st, why = d.item, d.st, d.why
    assert isinstance(item, RuleItem)
    expected, paths = st.expected, item.fact_paths
    if why == _UNSET:
        assert st.unset_reason is not None
        return fp.Part(st, "not_applicable", paths, expected, st.unset_reason)
    if why == _WHEN_UNKNOWN:
        reason = Reason("when_unknown", {"paths": _missing(item.when_sources, values)})
        return fp.Part(st, "unknown", paths, expected, reason)
    if why == _WHEN_FALSE:
        assert item.when is not None
        reason = Reason("when_false", {"condition": fp.render(item.when, params)})
        return fp.Part(st, "not_applicable", paths, expected, reason)
    if why == _REQUIRE_UNKNOWN:
        reason = Reason("require_unknown", {"paths": _missing(item.require_sources, values)})
        return fp.Part(st, "unknown", paths, expected, reason)
    if why == _PASSED:
        if st.passed_dated is not None:
            message, due = st.passed_dated
            return fp.Part(st, "pass", paths, expected, message, due=due)
        return fp.Part(st, "pass", paths, expected, PASSED)
    actual = _actual(item.fact_paths, facts)
    if d.outcome == "advisory":
        reason = Reason("advisory", {"expected": expected, "actual": actual})
        return fp.Part(st, "advisory", paths, expected, reason)
    responsible = _responsible(item.rule.responsible)
    reason = Reason("fail", {"expected": expected, "actual": actual, "responsible": responsible})
    return fp.Part(st, "fail", paths, expected, reason)


def _decide_late_rule(
    item: RuleItem,
    st: fp.FindingStatic,
    decisions: tuple[fp.Decision, ...],
    values: Mapping[str, Any],
    matched: frozenset[int],
    ctx: EvaluationContext,
    plugins: pluggy.PluginManager,
    late: Mapping[str, Any],
) -> fp.Part | fp.Decision:
    """A table, summary or hook rule: with its sentence once its ``when`` holds, else
    decided as a condition rule (its sentence said when built, :func:`_rule_part`)."""
    why = _rule_why(item, st, values, matched)
    if why == _LATE:
        return _decide_late(item, st, ctx, plugins, late)
    return decisions[why]


def _part(
    d: fp.Part | fp.Decision,
    values: Mapping[str, Any],
    facts: Mapping[str, Any],
    params: Mapping[str, Any],
) -> fp.Part:
    if isinstance(d, fp.Part):
        return d
    if isinstance(d.item, ScaleItem):
        return _scale_part(d, values, facts, params)
    return _rule_part(d, values, facts, params)


def _decide_scale(
    item: ScaleItem, st: fp.FindingStatic, values: Mapping[str, Any], matched: frozenset[int]
) -> tuple[fp.Decision, Any]:
    """A scale's outcome, why and band (its sentence said when built, :func:`_scale_part`),
    and the scale's output."""
    scale = item.scale
    decided = functools.partial(fp.Decision, item, st)
    if st.unset_reason is not None:
        return decided("not_applicable", _UNSET), None
    if _missing(item.when_sources, values):
        return decided("unknown", _WHEN_UNKNOWN), None
    if item.when is not None and item.when_id not in matched:
        return decided("not_applicable", _WHEN_FALSE), scale.below
    if _missing(item.input_sources, values):
        return decided("unknown", _REQUIRE_UNKNOWN), None
    band: BandItem | None = None
    if st.reach_order is not None:  # the bands by threshold: the first reached is the band
        bands = item.bands
        for i in st.reach_order:
            if bands[i].reached_id in matched:
                band = bands[i]
                break
    else:
        highest: Any = None  # the highest threshold reached (the first band of equal ones)
        for b, at in zip(item.bands, st.thresholds, strict=True):
            if b.reached_id in matched and (band is None or at > highest):
                band, highest = b, at
    if band is None:
        if scale.binding and scale.lowest_band_required:
            return decided("fail", _UNMET), scale.below
        return decided("advisory", _UNMET), scale.below
    return decided("pass", _PASSED, band), band.value


def _scale_part(
    d: fp.Decision, values: Mapping[str, Any], facts: Mapping[str, Any], params: Mapping[str, Any]
) -> fp.Part:
    """A decided scale with its sentence."""
    item, st, why = d.item, d.st, d.why
    assert isinstance(item, ScaleItem)
    scale = item.scale
    input_text, lowest_text = st.scale_texts

    def make(message: Reason) -> fp.Part:
        return fp.Part(st, d.outcome, item.fact_paths, st.expected, message)

    if why == _UNSET:
        assert st.unset_reason is not None
        return make(st.unset_reason)
    if why == _WHEN_UNKNOWN:
        return make(Reason("scale_unknown", {"paths": _missing(item.when_sources, values)}))
    if why == _WHEN_FALSE:
        assert item.when is not None
        return make(Reason("scale_when_false", {"condition": fp.render(item.when, params)}))
    if why == _REQUIRE_UNKNOWN:
        return make(Reason("scale_unknown", {"paths": _missing(item.input_sources, values)}))
    input_value = ex.evaluate(item.input, facts, params)
    band = d.band
    if band is None:
        args = {
            "input": input_text,
            "value": input_value,
            "lowest": lowest_text,
            "responsible": _responsible(scale.responsible),
        }
        return make(Reason("scale_below", args))
    args = {
        "input": input_text,
        "value": input_value,
        "threshold": fp.render(band.threshold, params),
        "label": band.label,
    }
    return make(Reason("scale_band", args))


def _decide_deadline(
    item: DeadlineItem,
    st: fp.FindingStatic,
    values: Mapping[str, Any],
    matched: frozenset[int],
    ctx: EvaluationContext,
) -> tuple[fp.Part, dt.date | None]:
    dl, facts, params = item.deadline, ctx.facts, ctx.params

    def make(
        outcome: Outcome,
        message: Text,
        expected: Text | None = None,
        actual: Text | None = None,
        due: dt.date | None = None,
    ) -> fp.Part:
        return fp.Part(st, outcome, item.fact_paths, expected, message, actual, due=due)

    missing_when = _missing(item.when_sources, values)
    if missing_when:
        return make("unknown", Reason("when_unknown", {"paths": missing_when})), None
    if item.when is not None and item.when_id not in matched:
        reason = Reason("when_false", {"condition": fp.render(item.when, params)})
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
    if outcome in ("overdue", "met_late", "advisory") and st.responsible:
        # the finding's units: the deadline's own, then the scope's (the town it lies in)
        message = Reason("then", {"first": a.message, "then": _responsible(st.responsible)})
    return make(outcome, message, a.expected, a.actual, a.due), a.next_due


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
    scope checks, deadline assessments, context facts; what plans keep is not used again
    and goes with them). Results never depend on it: this is for tests and for memory."""
    fp.clear()
    for cache in (_WHERE, _SCOPE_FINDINGS, _ASSESSED, _TABLE_PARTS):
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


def _dated_context(
    plan: Plan, as_of: dt.date, parameters: Mapping[str, Any] | None
) -> tuple[int | None, Mapping[str, Any]]:
    """The standard's programme year and the context facts on ``as_of`` (kept by the plan
    per date without overrides)."""
    pack = plan.pack

    def dated() -> tuple[int | None, dict[str, Any]]:
        standard = standard_year(pack.info.programme, pack.parameters, as_of, parameters)
        return standard, _context_facts(pack, as_of, standard)

    if parameters:
        return dated()
    return fp.kept_by_plan(plan, ("context", as_of), dated)


def _not_applicable(plan: Plan, st: fp.PlanStatics, reason: Reason) -> dict[str, fp.AnyPart]:
    message = Reason("not_applicable", {"reason": reason})
    by_rule: dict[str, fp.AnyPart] = {}
    items = [
        *zip([r.fact_paths for r in plan.rules], st.rules, strict=True),
        *zip([sc.fact_paths for sc in plan.scales], st.scales, strict=True),
        *zip([d.fact_paths for d in plan.deadlines], st.deadlines, strict=True),
    ]
    for paths, static in items:
        by_rule[static.id] = fp.Part(
            static, "not_applicable", paths, None, message, clauses=fp.NO_CLAUSES
        )
    return by_rule


def _decide(
    plan: Plan,
    st: fp.PlanStatics,
    ctx: EvaluationContext,
    plugins: pluggy.PluginManager,
    values: Mapping[str, Any],
    matched: frozenset[int],
    applicable: bool | None,
    reason: Reason | None,
) -> tuple[list[fp.AnyPart], dict[str, Any]]:
    """Findings in pack order (rules, scales, deadlines), decided and not yet built, and
    the outputs they give."""
    facts, params = ctx.facts, ctx.params
    outputs: dict[str, Any] = {}
    if applicable is False:
        assert reason is not None
        by_rule = _not_applicable(plan, st, reason)
        for sc in plan.scales:
            outputs[sc.scale.output] = None
        for d in plan.deadlines:
            if d.deadline.output:
                outputs[d.deadline.output] = None
    else:
        by_rule = {}
        _early_rules(plan)(values.get, matched, by_rule, st.early_tables)
        for sc, sst in zip(plan.scales, st.scales, strict=True):
            by_rule[sst.id], outputs[sc.scale.output] = _decide_scale(sc, sst, values, matched)
        for d, dst in zip(plan.deadlines, st.deadlines, strict=True):
            by_rule[dst.id], next_due = _decide_deadline(d, dst, values, matched, ctx)
            if d.deadline.output:
                outputs[d.deadline.output] = next_due
    expression_outputs(plan, facts, params, outputs, applicable)
    late: dict[str, Any] = {}
    if plan.summaries:
        decided = list(by_rule.values())
        for sp in plan.summaries:
            meets, said = sp.answer(decided, applicable, facts, params)
            outputs[sp.output] = meets
            late[sp.output] = (meets, said, sp.summary)
    table_outputs(plan, facts, params, outputs, late)
    if applicable is not False and plan.late_rules:
        if plan.hook_rules:  # hooks see the findings and outputs so far
            so_far = {
                rule: _part(d, values, facts, params).build(facts) for rule, d in by_rule.items()
            }
            ctx = _with_results(ctx, so_far, dict(outputs))
        for r, rst, decisions in st.late_rules:
            by_rule[rst.id] = _decide_late_rule(
                r, rst, decisions, values, matched, ctx, plugins, late
            )
    findings = list(map(by_rule.__getitem__, st.order))
    finished_outputs(plan, findings, facts, outputs, applicable)
    if st.late_outputs:
        outputs.update(late_values(plan.outputs, outputs, facts, params, applicable, plan.tallies))
    return findings, outputs


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
    plugins: pluggy.PluginManager = attrs.field(repr=False)
    hooks: HookUse = attrs.field(repr=False)
    """Which of the pack's hooks are implemented."""


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
    facts = community_facts(plan, community, context, as_of, params)
    ctx = EvaluationContext(pack, community, as_of, params, facts, standard)
    if hooks.derive_facts:
        for extra in plugins.hook.pack_derive_facts(context=ctx):
            if extra:
                facts.update(extra)
    return Prepared(plan, ctx, plan.values(facts, params), plugins, hooks)


def community_facts(
    plan: Plan,
    community: Community,
    context: Mapping[str, Any],
    as_of: dt.date,
    params: Mapping[str, Any],
) -> dict[str, Any]:
    """The facts a plan reads of a community (before any pack hook): its own, the context
    facts of the date (``as_of.*``), then the derived ones (window counts, then
    expressions in order)."""
    facts = flatten(community, plan.read_paths)
    facts.update(context)
    facts.update(relative_time.window_counts(plan.pack, facts, as_of))
    for d in plan.derived:
        if d.expression is not None:
            facts[d.path] = ex.evaluate(d.expression, facts, params)
    return facts


def scale_outputs(
    plan: Plan,
    st: fp.PlanStatics,
    values: Mapping[str, Any],
    matched: frozenset[int],
    applicable: bool | None,
) -> dict[str, Any]:
    """The scales' outputs, as :func:`decide` gives them (null where the pack does not
    apply)."""
    if applicable is False:
        return {sc.scale.output: None for sc in plan.scales}
    return {
        sc.scale.output: _decide_scale(sc, sst, values, matched)[1]
        for sc, sst in zip(plan.scales, st.scales, strict=True)
    }


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


def decide(
    prepared: Prepared,
    matched: frozenset[int],
    build_findings: bool = False,
    reader: Reader | None = None,
    lang: str = "zh",
) -> Result:
    """Findings, outputs and verdict of a prepared community, given which conditions hold.

    The verdict and outputs are taken from the decided findings; the findings themselves
    are built when the result's ``findings`` are first read (:class:`PendingFindings`), or at
    once with ``build_findings`` and for a pack with hooks. ``reader`` and ``lang`` say the
    result for people (see :class:`Result`).
    """
    plan, ctx, values = prepared.plan, prepared.context, prepared.values
    plugins, hooks = prepared.plugins, prepared.hooks
    pack, as_of = ctx.pack, ctx.as_of
    assert isinstance(ctx.subject, Community)
    applicable: bool | None = True
    reason: Reason | None = None
    app = plan.applicability
    community = ctx.subject
    territory = pack.info.scope
    where = None if territory is None else _where(territory, community.community.jurisdiction)
    units = where.units if where is not None else ()
    st = fp.statics_for(plan, ctx.params, as_of, ctx.programme_year, units)
    if not st.in_force:
        applicable, reason = False, Reason("not_in_force", {"date": as_of.isoformat()})
    elif where is not None and where.inside is False:
        # the scope's own sentence (it names the place and the territory)
        applicable, reason = False, where.reason
    elif app is not None:
        applicable = None if _missing(app.sources, values) else app.when_id in matched
        reason = Reason("pack_not_applicable", {"condition": fp.applicability_words(plan)})
    if applicable is True and where is not None and where.inside is None:
        applicable = None  # it may not apply: incomplete, every finding shown as if it did

    if plan.hook_rules or hooks.outputs:  # what the hooks see
        ctx = attrs.evolve(ctx, applicable=applicable)
    parts, outputs = _decide(plan, st, ctx, plugins, values, matched, applicable, reason)
    facts = ctx.facts
    if hooks.outputs:
        decided = tuple(_part(d, values, facts, ctx.params).build(facts) for d in parts)
        hook_ctx = _with_results(ctx, {f.rule: f for f in decided}, dict(outputs))
        hook_outputs = plugins.hook.pack_outputs(context=hook_ctx, findings=decided)
        for extra in reversed(hook_outputs):
            if extra:
                outputs.update(extra)
    year = pack.programme_year(as_of, ctx.params)
    dated_outputs(pack, outputs, year, facts["as_of.phase"])
    build = functools.partial(_built, parts, values, ctx, st, community, applicable, where)
    findings: tuple[Finding, ...] | PendingFindings
    if build_findings or hooks.derive_facts or hooks.outputs or plan.hook_rules:
        # a pack's hooks see the facts and findings: its findings are built at once
        findings = tuple(build())
        verdict = verdict_of(findings, applicable)
    else:
        findings = PendingFindings(build)
        verdict = _verdict(parts, st, community, applicable, where)
    return Result(
        pack_id=pack.id,
        pack_version=pack.version,
        pack_digest=pack.digest,
        engine_version=ENGINE_VERSION,
        subject_id=ctx.subject.id,
        subject_name=ctx.subject.name,
        subject_level="community",
        as_of=as_of,
        verdict=verdict,
        findings=findings,
        outputs=plain(outputs),
        lang=lang,
        reader=reader,
        decided=None if reader is None else (prepared, matched, st, applicable),
    )


def _built(
    parts: Sequence[fp.AnyPart],
    values: Mapping[str, Any],
    ctx: EvaluationContext,
    st: fp.PlanStatics,
    community: Community,
    applicable: bool | None,
    where: scope.ScopeCheck | None,
) -> list[Finding]:
    """A decided community's findings as its result shows them: built, dated where due,
    binding only for the pilot unit, the scope finding first."""
    pack, facts, params = st.plan.pack, ctx.facts, ctx.params
    built = [_part(d, values, facts, params).build(facts) for d in parts]
    findings = fp.finish(built, st, ctx.as_of, ctx.programme_year)
    if applicable is not False:
        findings = apply_pilot(pack, community, findings)
    app = st.plan.applicability
    if applicable is None and app is not None:
        missing = _missing(app.sources, values)
        if missing:  # whether the pack applies is not known: say which facts it needs
            paths = dict.fromkeys(s.path for s in app.sources if s.path is not None)
            inputs = {p: facts.get(p) for p in paths}
            findings = [fp.applicability_finding(st.plan, inputs), *findings]
    if where is not None and pack.info.scope is not None:
        # as scope.with_scope: the findings built here name the units already (fp.FindingStatic)
        first = _scope_finding(pack.info.scope, where, applicable is not False)
        findings = [
            first,
            *(f if f.rule in st.ids else scope.with_units(f, where.units) for f in findings),
        ]
    return findings


def _verdict(
    parts: Sequence[fp.AnyPart],
    st: fp.PlanStatics,
    community: Community,
    applicable: bool | None,
    where: scope.ScopeCheck | None,
) -> Verdict:
    """The verdict of :func:`_built`'s findings without building them: dating and the
    scope's units change no outcome; the scope and pilot findings count; outside the pilot
    unit no other finding binds (:func:`apply_pilot`)."""
    pack = st.plan.pack
    decided: list[Decided] = []
    if where is not None and pack.info.scope is not None:
        decided.append(_scope_finding(pack.info.scope, where, applicable is not False))
    if applicable is not False and pack.info.pilot is not None:
        pilot = apply_pilot(pack, community, ())[0]
        decided.append(pilot)
        if pilot.outcome != "pass":
            return verdict_of(decided, applicable)
    decided.extend(parts)
    return verdict_of(decided, applicable)


def evaluate_community(
    community: Community,
    pack: Pack,
    as_of: dt.date | None = None,
    parameters: Mapping[str, Any] | None = None,
    backend: str = DEFAULT,
    reader: Reader | None = None,
    lang: str = "zh",
) -> Result:
    """Evaluate one community against one pack on ``as_of`` (default: today).

    ``backend`` names the :mod:`policyengine.backends` backend that decides the conditions;
    ``reader`` and ``lang`` say the result for people (see :class:`Result`).
    """
    prepared = prepare(community, pack, as_of, parameters, backend)
    matched = prepared.plan.matching(prepared.values)
    return decide(prepared, matched, reader=reader, lang=lang)


def _aggregate_text(path: str, d: Mapping[str, Any], lang: str = "zh") -> str:
    found = d["value"]
    extra = Reason("aggregate_unknown_extra", {"n": d["unknown"]}) if d["unknown"] else ""
    if isinstance(found, float):
        share = f"{found:.1%}"
        args = {"path": path, "share": share, "met": d["met"], "known": d["known"]}
        return render(Reason("aggregate_share", {**args, "extra": extra}), lang)
    reason = Reason("aggregate_value", {"path": path, "value": found, "extra": extra})
    return render(reason, lang)


def _explain_aggregates(f: Finding, details: Mapping[str, Mapping[str, Any]]) -> Finding:
    """Show each aggregate with its counts, and the unknown communities, in the finding."""
    used = [p for p in f.inputs if p in details]
    if not used:
        return f
    said = [
        "; ".join(
            _aggregate_text(p, details[p], lang)
            if p in details
            else f"{p} = {value(f.inputs[p], lang)}"
            for p in f.inputs
        )
        for lang in ("zh", "en")
    ]
    actual = Words(*said)
    why = f.reason
    message: Text = f.message if why is None else why
    if why is not None and "actual" in why.args:
        message = Reason(why.code, {**why.args, "actual": actual})
    elif why is None and f.actual and f.actual in f.message:
        message = f.message.replace(f.actual, said[0])
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
        reason = where.reason
    st = fp.statics_for(plan, params, as_of, standard, ())
    parts, outputs = _decide(plan, st, ctx, plugins, values, matched, applicable, reason)
    findings = [
        _explain_aggregates(_part(d, values, facts, params).build(facts), details) for d in parts
    ]
    dated_outputs(pack, outputs, year, facts["as_of.phase"])
    findings = fp.finish(findings, st, as_of, standard)
    return findings, outputs
