"""What a decided community's outputs would be with some of its facts changed.

A band gap (results.md "Gaps") says what the pack's other outputs (the reward) would be at
the scale's next band: the community with the scale's input raised to the band's threshold.
:func:`outputs_if` works them out from the result already decided rather than evaluating
the community afresh: the facts are read and derived again, only the conditions that read a
value that changed are asked again, and where no finding feeds an output (no summary,
deadline, tally or hook), only the outputs are worked out. ``tests/test_what_if.py`` holds
it equal to a fresh evaluation on every bundled pack.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from policyengine import expressions as ex
from policyengine import finding_parts as fp
from policyengine.backends.python import holds
from policyengine.contracts import EvaluationContext
from policyengine.engine import HookUse, Prepared, community_facts, decide, scale_outputs
from policyengine.facts import Community
from policyengine.outputs import dated_outputs, expression_outputs, plain, table_outputs
from policyengine.plan import Plan
from policyengine.plan.common import CONTEXT_FACTS
from policyengine.results import Result

__all__ = ["outputs_if"]


def _readers(plan: Plan) -> Mapping[str, frozenset[int]]:
    """For each key of the row, the positions of the conditions that read it (kept by the
    plan)."""

    def compute() -> Mapping[str, frozenset[int]]:
        by_key: dict[str, set[int]] = {}
        for i, normal in enumerate(plan.normals):
            for key in ex.normal_keys(normal):
                by_key.setdefault(key, set()).add(i)
        return {k: frozenset(v) for k, v in by_key.items()}

    return fp.kept_by_plan(plan, "what-if readers", compute)


def _same(a: Any, b: Any) -> bool:
    return a is b or (a.__class__ is b.__class__ and a == b)


def outputs_if(result: Result, changed: Community) -> Mapping[str, Any] | None:
    """The outputs a decided community would have if its facts were ``changed``'s (the
    same community with some facts changed).

    Decided again from the result's prepared row (:attr:`Result.decided`): the facts are
    read and derived again, only the conditions that read a value that changed are asked
    again (of the reference backend, which every backend agrees with) and the others hold
    as they held; where no finding feeds an output, only the outputs are worked out. The
    same outputs as evaluating ``changed`` afresh (``tests/test_what_if.py``). None where
    only a fresh evaluation can tell: no decided row kept, or a pack hook that derives facts.
    """
    decided = result.decided
    if decided is None:
        return None
    prepared, matched, st, applicable = decided
    plan, ctx = prepared.plan, prepared.context
    if prepared.hooks.derive_facts:
        return None
    facts, params = ctx.facts, ctx.params
    dated = {k: facts[k] for k in CONTEXT_FACTS if k in facts}  # the date's, as prepared
    again = community_facts(plan, changed, dated, ctx.as_of, params)
    values = prepared.values
    row = plan.values(again, params)
    changed_keys = [key for key, value in row.items() if not _same(value, values.get(key))]
    assert isinstance(ctx.subject, Community)
    alone = ctx.subject.community is changed.community and _outputs_alone(
        plan, prepared.hooks, changed_keys
    )
    readers = _readers(plan)
    asked: set[int] = set()
    for key in changed_keys:
        asked.update(readers.get(key, ()))
    if alone:  # only the scales' conditions are read
        asked &= _scale_conditions(plan)
    if asked:
        normals = plan.normals
        holding = {i for i in asked if holds(normals[i], row)}
        matched = (matched - asked) | holding
    if alone:
        return _outputs_alone_of(plan, st, ctx, again, row, matched, applicable)
    context = attrs.evolve(ctx, subject=changed, facts=again)
    return decide(Prepared(plan, context, row, prepared.plugins, prepared.hooks), matched).outputs


def _outputs_alone(plan: Plan, hooks: HookUse, changed_keys: Sequence[str]) -> bool:
    """Whether a plan's outputs can be worked out without deciding its rules: no summary,
    deadline, hook, tally or fact list reads the findings, and the changed values do not
    touch whether the pack applies."""
    if (
        plan.summaries
        or plan.deadlines
        or plan.finishers
        or plan.hook_rules
        or hooks.outputs
        or any(out.late for out in plan.outputs)
    ):
        return False
    app = plan.applicability
    return app is None or not any(s.key in changed_keys for s in app.sources)


def _scale_conditions(plan: Plan) -> frozenset[int]:
    """Positions of the conditions the scales read (kept by the plan)."""

    def compute() -> frozenset[int]:
        ids: set[int] = set()
        for sc in plan.scales:
            if sc.when_id is not None:
                ids.add(sc.when_id)
            ids.update(b.reached_id for b in sc.bands)
        return frozenset(ids)

    return fp.kept_by_plan(plan, "what-if scale conditions", compute)


def _outputs_alone_of(
    plan: Plan,
    st: fp.PlanStatics,
    ctx: EvaluationContext,
    facts: Mapping[str, Any],
    values: Mapping[str, Any],
    matched: frozenset[int],
    applicable: bool | None,
) -> dict[str, Any]:
    """The outputs :func:`decide` gives, for a plan whose outputs read no finding
    (:func:`_outputs_alone`): the scales', the expressions', the tables' and the dated ones,
    in that order."""
    outputs = scale_outputs(plan, st, values, matched, applicable)
    params = ctx.params
    expression_outputs(plan, facts, params, outputs, applicable)
    table_outputs(plan, facts, params, outputs, {})
    pack = plan.pack
    year = pack.programme_year(ctx.as_of, params)
    dated_outputs(pack, outputs, year, facts["as_of.phase"])
    return plain(outputs)
