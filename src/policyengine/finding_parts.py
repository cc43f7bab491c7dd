"""What a finding says whatever the facts, computed once per plan, date and place.

A finding's title, clause and quote (citing the parameter entries in force), its
responsible units (the rule's, then the scope's), the parameters it used and their values,
the rule's expected text, the unset-parameter reason and a dated rule's pass do not depend
on the subject's facts: :func:`statics_for` computes them once per plan, parameter mapping,
date and scope units (kept by the plan, so they go with it), and :func:`finding` adds what
does (outcome, inputs, sentences). A :class:`Decision` is a rule or scale decided (outcome
and why), a :class:`Part` a finding with its sentence not yet built: the engine builds
findings when a result's findings are first read. Also the renderings of conditions and
thresholds the engine shows (:func:`render`), remembered per parameter mapping. Every
cache here is bounded and keyed by identity (the key objects are kept alive with their
entry); :func:`clear` forgets them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from typing import Any, TypeVar

import attrs

from policyengine import duties
from policyengine import expressions as ex
from policyengine.i18n import fact_label, text
from policyengine.messages import FROM_INPUTS, PASSED, Reason, Text, Words
from policyengine.pack import Deadline, Pack, Rule, Scale
from policyengine.plan import Plan
from policyengine.plan.condition_rule import RuleItem
from policyengine.plan.scale import BandItem, ScaleItem
from policyengine.results import Finding, Outcome
from policyengine.sentences import condition_in_words

__all__ = [
    "APPLICABILITY_RULE",
    "NO_CLAUSES",
    "WHY_LATE",
    "WHY_PASSED",
    "WHY_REQUIRE_UNKNOWN",
    "WHY_UNMET",
    "WHY_UNSET",
    "WHY_WHEN_FALSE",
    "WHY_WHEN_UNKNOWN",
    "AnyPart",
    "Decision",
    "FindingStatic",
    "Part",
    "PlanStatics",
    "applicability_finding",
    "applicability_words",
    "clear",
    "finding",
    "finish",
    "kept_by_plan",
    "render",
    "statics_for",
    "threshold",
]


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


def render(expr: ex.Expr, params: Mapping[str, Any] | None = None) -> str:
    """The expression as the engine shows it, with parameter values (remembered)."""
    return str(_cached("render", expr, params or _NO_PARAMS, ex.render))


def threshold(expr: ex.Expr, params: Mapping[str, Any]) -> Any:
    """The value of a constant expression such as a band threshold (remembered)."""
    return _cached("value", expr, params, lambda e, p: ex.evaluate(e, {}, p))


_NO_PARAMS: Mapping[str, Any] = {}
NO_CLAUSES: Mapping[str, str | None] = {}


def _unset_params(names: Sequence[str], params: Mapping[str, Any]) -> list[str]:
    return [n for n in names if params.get(n) is None]


def _no_value(pack: Pack, names: Sequence[str], params: Mapping[str, Any]) -> Reason | None:
    """What a rule expects when the document sets no value it reads: said, not an expression."""
    unset = _unset_params(names, params)
    return Reason("param_none", {"names": _titled(unset, pack)}) if unset else None


def _titled(unset: Sequence[str], pack: Pack | None) -> list[Words | str]:
    """Parameters named by their titles (by ``params.<name>`` only without the pack)."""
    given = pack.parameters if pack is not None else {}
    return [
        Words(given[n].title, given[n].title_en) if n in given else f"params.{n}" for n in unset
    ]


def _unset(as_of: dt.date, unset: Sequence[str], pack: Pack | None = None) -> Reason:
    """Why a rule reading parameters without a value on the date does not apply: the
    parameters named by their titles."""
    return Reason("param_unset", {"date": as_of.isoformat(), "names": _titled(unset, pack)})


class FindingStatic:
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
        "reach_order",
        "responsible",
        "scale_texts",
        "thresholds",
        "title",
        "title_en",
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
        pack: Pack | None = None,
    ) -> None:
        self.id = rule.id
        self.title = rule.title
        self.title_en = rule.title_en
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
        self.unset_reason = _unset(as_of, self.unset, pack) if self.unset else None
        self.passed_dated: tuple[Text, dt.date | None] | None = None
        """A dated rule's pass, as :func:`duties.finish` says it (message and due date)."""
        self.thresholds: tuple[Any, ...] = ()
        """A scale's band thresholds on the date, in band order."""
        self.reach_order: tuple[int, ...] | None = None
        """A scale's bands by threshold, highest first (the first band of equal ones
        first): the first one reached is the band (None: thresholds not comparable)."""
        self.scale_texts: tuple[str, str] = ("", "")
        """A scale's input and lowest threshold as the engine shows them."""


def finding(
    st: FindingStatic,
    outcome: Outcome,
    facts: Mapping[str, Any],
    paths: Sequence[str],
    expected: Text | None,
    message: Text,
    actual: Text | None = None,
    clauses: Mapping[str, str | None] | None = None,
    due: dt.date | None = None,
) -> Finding:
    """The finding of one subject: its statics, with the outcome, the facts it read and why."""
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
        st.binding and outcome != "advisory",  # advisory never binds (results.md)
        st.parameters,
        st.area,
        st.clauses if clauses is None else clauses,
        due,
        st.title_en,
    )


class _Unbuilt:
    """What a finding decided and not yet built reads from its statics, as a finding for
    verdicts, summaries and tallies (:class:`~policyengine.results.Decided`)."""

    __slots__ = ()
    st: FindingStatic
    outcome: Outcome

    @property
    def rule(self) -> str:
        """The rule, scale or deadline id."""
        return self.st.id

    @property
    def binding(self) -> bool:
        """Whether the finding counts for the verdict: never when advisory (a scale below
        its lowest band when that band is not required is advisory, though the scale binds)."""
        return self.st.binding and self.outcome != "advisory"

    @property
    def area(self) -> str | None:
        """The rule's task area."""
        return self.st.area

    @property
    def title(self) -> str:
        """The rule's title."""
        return self.st.title

    @property
    def title_en(self) -> str | None:
        """The rule's title in English, where given."""
        return self.st.title_en


class Part(_Unbuilt):
    """A finding decided and not yet built: its statics, outcome and why.

    It reads as a finding for what verdicts, summaries and tallies read (``rule``,
    ``outcome``, ``binding``, ``area``: :class:`~policyengine.results.Decided`);
    :meth:`build` makes the :class:`Finding` (:func:`finding`) with the facts it read.
    """

    __slots__ = ("actual", "clauses", "due", "expected", "message", "outcome", "paths", "st")

    def __init__(
        self,
        st: FindingStatic,
        outcome: Outcome,
        paths: Sequence[str],
        expected: Text | None,
        message: Text,
        actual: Text | None = None,
        clauses: Mapping[str, str | None] | None = None,
        due: dt.date | None = None,
    ) -> None:
        self.st = st
        self.outcome = outcome
        self.paths = paths
        self.expected = expected
        self.message = message
        self.actual = actual
        self.clauses = clauses
        self.due = due

    def build(self, facts: Mapping[str, Any]) -> Finding:
        """The finding, reading its inputs from ``facts``."""
        return finding(
            self.st,
            self.outcome,
            facts,
            self.paths,
            self.expected,
            self.message,
            self.actual,
            self.clauses,
            self.due,
        )


class Decision(_Unbuilt):
    """A condition rule or a scale decided, its sentence not yet said: the outcome, a code
    for why and a scale's band (the engine says the sentence, as a :class:`Part`, when the
    finding is built). Reads as a finding for verdicts, summaries and tallies, as
    :class:`Part` does."""

    __slots__ = ("band", "item", "outcome", "st", "why")

    def __init__(
        self,
        item: RuleItem | ScaleItem,
        st: FindingStatic,
        outcome: Outcome,
        why: int,
        band: BandItem | None = None,
    ) -> None:
        self.item = item
        self.st = st
        self.outcome = outcome
        self.why = why
        self.band = band


AnyPart = Part | Decision
"""A finding decided and not yet built."""

(
    WHY_UNSET,
    WHY_WHEN_UNKNOWN,
    WHY_WHEN_FALSE,
    WHY_LATE,
    WHY_REQUIRE_UNKNOWN,
    WHY_PASSED,
    WHY_UNMET,
) = range(7)
"""Why a rule or a scale has its outcome (:attr:`Decision.why`): a parameter without a
value, ``when`` unknown or false, decided late (table, summary, hook), ``require`` (or the
scale's input) unknown, passed (a band reached), not met."""


def _decisions(item: RuleItem, st: FindingStatic) -> tuple[Decision, ...]:
    """A rule's decisions, one per why (made once: a decision holds no fact)."""
    unmet: Outcome = "fail" if st.binding else "advisory"
    outcomes: tuple[Outcome, ...] = (
        "not_applicable", "unknown", "not_applicable", "unknown", "unknown", "pass", unmet,
    )  # fmt: skip
    return tuple(Decision(item, st, outcome, why) for why, outcome in enumerate(outcomes))


@attrs.frozen(eq=False)
class PlanStatics:
    """The :class:`FindingStatic` of every rule, scale and deadline of a plan, for one date,
    parameter mapping and scope units (computed once, reused for every subject)."""

    plan: Plan
    params: Mapping[str, Any]
    rules: tuple[FindingStatic, ...]
    scales: tuple[FindingStatic, ...]
    deadlines: tuple[FindingStatic, ...]
    dated: frozenset[str]
    """Rules whose findings name a due date (:func:`duties.finish` dates them)."""
    ids: frozenset[str]
    """The rules, scales and deadlines whose findings are built from these statics."""
    in_force: bool
    """Whether the pack is in force on the date (:meth:`Pack.in_force`)."""

    @cached_property
    def early_rules(self) -> tuple[tuple[RuleItem, FindingStatic, tuple[Decision, ...]], ...]:
        """The rules decided first (every one but table, summary and hook rules), each
        with its decisions by why."""
        pairs = zip(self.plan.rules, self.rules, strict=True)
        return tuple((r, s, _decisions(r, s)) for r, s in pairs if not r.late)

    @cached_property
    def early_tables(self) -> tuple[tuple[Decision, ...], ...]:
        """Each early rule's decisions by why, as the engine's generated code reads them: a
        rule without a parameter it needs on the date has its ``WHY_UNSET`` decision
        whatever the facts (every why maps to it)."""
        return tuple(
            ds if s.unset_reason is None else (ds[WHY_UNSET],) * len(ds)
            for _, s, ds in self.early_rules
        )

    @cached_property
    def late_rules(self) -> tuple[tuple[RuleItem, FindingStatic, tuple[Decision, ...]], ...]:
        """Table, summary and hook rules, decided once the others and the outputs are."""
        pairs = zip(self.plan.rules, self.rules, strict=True)
        return tuple((r, s, _decisions(r, s)) for r, s in pairs if r.late)

    @cached_property
    def late_outputs(self) -> bool:
        """Whether an output reads a table or a tally (decided after the findings)."""
        return any(out.late for out in self.plan.outputs)

    @cached_property
    def order(self) -> tuple[str, ...]:
        """The ids of the findings in pack order: rules, scales, deadlines."""
        return tuple(s.id for s in (*self.rules, *self.scales, *self.deadlines))


def _citation(
    pack: Pack,
    rule: Rule | Scale | Deadline,
    names: Sequence[str],
    as_of: dt.date,
    year: Any,
    params: Mapping[str, Any],
) -> tuple[str, str] | None:
    if not names:
        return None
    probe = Finding(
        "", "not_applicable", rule.title, rule.clause, rule.quote, (), {}, None, None, "",
        parameters=dict.fromkeys(names),
    )  # fmt: skip
    cited = duties.finish([probe], pack, as_of, year, params)[0]
    return (cited.clause, cited.quote) if cited is not probe else None


def _scale_expected(item: ScaleItem, params: Mapping[str, Any]) -> Reason:
    lowest = item.bands[0]
    args = {
        "input": render(item.input),
        "lowest": render(lowest.threshold, params),
        "label": lowest.label,
    }
    return Reason("scale_expected", args)


def _reach_order(thresholds: tuple[Any, ...]) -> tuple[int, ...] | None:
    """Band positions by threshold, highest first, the first of equal ones first."""
    try:
        return tuple(sorted(range(len(thresholds)), key=lambda i: -thresholds[i]))
    except TypeError:
        return None


def _build_statics(
    plan: Plan, params: Mapping[str, Any], as_of: dt.date, year: Any, units: Sequence[str]
) -> PlanStatics:
    pack = plan.pack
    by_id = {r.id: r for r in pack.rules}
    dated = {
        rid
        for rid in [r.rule.id for r in plan.rules]
        + [s.scale.id for s in plan.scales]
        + [d.deadline.id for d in plan.deadlines]
        if rid in by_id and duties.due_date(by_id[rid], pack, as_of, year, params) is not None
    }

    def static(
        rule: Rule | Scale | Deadline,
        names: Sequence[str],
        clauses: Mapping[str, str | None],
        expected: Text | None = None,
    ) -> FindingStatic:
        cite = _citation(pack, rule, names, as_of, year, params)
        return FindingStatic(
            rule, params, names, clauses, cite, rule.id in dated, as_of, units, expected, pack
        )

    rules = tuple(
        static(
            r.rule,
            r.params,
            r.clauses,
            _no_value(pack, r.params, params)
            or (render(r.require, params) if r.require is not None else None),
        )
        for r in plan.rules
    )
    scales = tuple(
        static(sc.scale, sc.params, sc.clauses, _scale_expected(sc, params)) for sc in plan.scales
    )
    for sc, sst in zip(plan.scales, scales, strict=True):
        sst.scale_texts = (render(sc.input), render(sc.bands[0].threshold, params))
        if not sst.unset:
            sst.thresholds = tuple(threshold(b.threshold, params) for b in sc.bands)
            sst.reach_order = _reach_order(sst.thresholds)
    deadlines = tuple(static(d.deadline, (), NO_CLAUSES) for d in plan.deadlines)
    for rst in rules:
        if rst.dated:  # a pass says the same whatever the facts: dated once
            probe = finding(rst, "pass", {}, (), rst.expected, PASSED)
            done = duties.finish([probe], pack, as_of, year, params)[0]
            rst.passed_dated = (done.reason or done.message, done.due)
    ids = frozenset(s.id for s in (*rules, *scales, *deadlines))
    in_force = pack.in_force(as_of, params)
    return PlanStatics(plan, params, rules, scales, deadlines, frozenset(dated), ids, in_force)


T = TypeVar("T")

_GENERATION = [0]
"""Bumped by :func:`clear`: statics kept by plans before it are not used again."""


def kept_by_plan(plan: Plan, key: Any, compute: Callable[[], T]) -> T:
    """``compute()``, remembered by the plan under ``key`` (at most 2,000 keys a plan; gone
    with the plan; forgotten by :func:`clear`)."""
    kept = plan.statics
    hit = kept.get(key)
    generation = _GENERATION[0]
    if hit is not None and hit[0] == generation:
        found: T = hit[1]
        return found
    if len(kept) > 2_000:
        kept.clear()
    found = compute()
    kept[key] = (generation, found)
    return found


def statics_for(
    plan: Plan, params: Mapping[str, Any], as_of: dt.date, year: Any, units: Sequence[str]
) -> PlanStatics:
    """The plan's :class:`PlanStatics` for this date, parameter mapping and units, kept by
    the plan (parameter mappings are cached per date by :meth:`Plan.parameters_at`; the
    statics keep theirs, so its id is not reused while they are kept)."""
    key = ("statics", id(params), as_of, year, tuple(units))
    return kept_by_plan(plan, key, lambda: _build_statics(plan, params, as_of, year, units))


def finish(findings: list[Finding], st: PlanStatics, as_of: dt.date, year: Any) -> list[Finding]:
    """:func:`duties.finish` where it changes something: citations are already in the
    findings (:class:`FindingStatic`), so only findings due on a date are dated."""
    due = [i for i, f in enumerate(findings) if f.rule in st.dated and f.due is None]
    if not due:
        return findings
    dated = duties.finish([findings[i] for i in due], st.plan.pack, as_of, year, st.params)
    out = list(findings)
    for i, f in zip(due, dated, strict=True):
        out[i] = f
    return out


def clear() -> None:
    """Forget every rendering and every plan's statics."""
    _RENDERED.clear()
    _GENERATION[0] += 1


APPLICABILITY_RULE = "applicability"
"""The id of the finding that says a pack's applicability cannot be decided (its
``[pack.applicability]`` condition reads a fact that is missing)."""


def applicability_words(plan: Plan) -> Words:
    """The pack's applicability condition in words, Chinese and English (kept by the plan):
    what a sentence says instead of the expression."""
    app = plan.applicability
    assert app is not None
    return kept_by_plan(
        plan, "applicability words", lambda: condition_in_words(app.when, plan.pack)
    )


def applicability_finding(plan: Plan, inputs: Mapping[str, Any]) -> Finding:
    """The binding ``applicability`` finding of a community whose kind (or whatever the
    pack's applicability reads) is missing: ``unknown``, naming the facts to supply
    (results.md: "a scope finding says which fact is missing")."""
    condition = applicability_words(plan)
    app = plan.pack.info.applicability
    assert app is not None
    return Finding(
        rule=APPLICABILITY_RULE,
        outcome="unknown",
        title=text("title.applicability", "zh", condition=condition.zh),
        clause=app.clause,
        quote=app.quote,
        responsible=(),
        inputs=inputs,
        expected=Reason("applicability_expected", {"condition": condition}),
        actual=FROM_INPUTS,
        message=Reason(
            "applicability_unknown",
            {
                "condition": condition,
                "names": [
                    Words(fact_label(p, "zh"), fact_label(p, "en"))
                    for p, v in inputs.items()
                    if v is None
                ],
            },
        ),
        binding=True,
        title_en=text("title.applicability", "en", condition=condition.en or condition.zh),
    )
