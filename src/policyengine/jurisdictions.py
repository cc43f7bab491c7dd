"""Evaluating a jurisdiction: every community, then its own rules over them, then its children.

A jurisdiction's aggregates (``[[aggregates]]`` of the pack: shares and counts) are taken
over every community of its subtree (its own and its child jurisdictions'). A share is
computed over the communities whose answer is known, and the finding says how many were
unknown. The jurisdiction's verdict answers one question (policies.md §6): does it meet the
duties the document puts on it — its own rules, including the targets over its communities?
Its communities' verdicts are nested and counted in the output ``communities``; a
jurisdiction on which the document puts no duty (none of its own binding rules applies) is
``not_applicable``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from policyengine import expressions as ex
from policyengine import scope
from policyengine.engine import (
    ENGINE_VERSION,
    evaluate_community,
    evaluate_jurisdiction_rules,
)
from policyengine.facts import Community, Jurisdiction, flatten
from policyengine.limits import check_time
from policyengine.messages import Reason
from policyengine.pack import Aggregate, Pack
from policyengine.plan import plan_for
from policyengine.results import Finding, Result, Verdict, verdict_of

__all__ = ["evaluate_jurisdiction", "judge", "placed", "scope_of"]


_LEVEL_OF_DEPTH = ("province", "city", "district", "street")


def _own_verdict(findings: list[Finding], applicable: bool | None) -> Verdict:
    """The verdict on the jurisdiction's own duties (not its communities')."""
    if applicable is False:
        return "not_applicable"
    if not any(f.binding and f.outcome != "not_applicable" for f in findings):
        return "not_applicable" if applicable else "incomplete"
    return verdict_of(findings, applicable)


def _above(j: Jurisdiction) -> tuple[tuple[str | None, str | None], ...]:
    """Where a top-level jurisdiction lies, from the place its communities give above it."""
    name = j.name
    if name is None:
        return ()
    stack = [j]
    while stack:
        current = stack.pop()
        for c in current.communities:
            place = c.community.jurisdiction or ()
            if name in place:
                i = list(place).index(name)
                return tuple(
                    (place[k], _LEVEL_OF_DEPTH[k]) for k in range(min(i, len(_LEVEL_OF_DEPTH)))
                )
        stack.extend(current.jurisdictions)
    return ()


def placed(community: Community, chain: tuple[tuple[str | None, str | None], ...]) -> Community:
    """A community listed in a jurisdiction document without its own place lies in that
    jurisdiction: ``community.jurisdiction`` is taken from the names of the documents it is
    nested in (widest first)."""
    if community.community.jurisdiction:
        return community
    names = tuple(name for name, _ in chain if name)
    if not names:
        return community
    return attrs.evolve(community, community=attrs.evolve(community.community, jurisdiction=names))


def scope_of(
    pack: Pack, j: Jurisdiction, above: tuple[tuple[str | None, str | None], ...] | None
) -> scope.ScopeCheck | None:
    if pack.info.scope is None:
        return None
    info = j.jurisdiction
    return scope.check_jurisdiction(
        pack.info.scope, info.name, info.level, above if above is not None else _above(j)
    )


def _subtree(j: Jurisdiction, result: Result) -> Iterator[tuple[Community, Result]]:
    yield from zip(j.communities, result.communities, strict=True)
    for child, child_result in zip(j.jurisdictions, result.jurisdictions, strict=True):
        yield from _subtree(child, child_result)


def _counted(answer: bool | str | None, result: Result) -> bool | str | None:
    """An answer as counted: a community whose place does not tell whether it lies in the
    territory (its scope finding unknown) is unknown, where it would be counted. It may be
    outside, so it neither meets a share nor fails it (it was counted, and a district
    failed its coverage on a community perhaps elsewhere)."""
    if answer != "skip" and result.verdict == "incomplete" and _place_unknown(result):
        return None
    return answer


def _place_unknown(result: Result) -> bool:
    try:
        return result.finding(scope.SCOPE_RULE).outcome == "unknown"
    except KeyError:  # a pack without a territory
        return False


def _answer(
    agg: Aggregate,
    condition: ex.Expr | None,
    community: Community,
    result: Result,
    params: Mapping[str, Any],
) -> bool | str | None:
    """True/False met, None unknown, "skip" where it does not apply."""
    if agg.rule is not None:
        outcome = result.finding(agg.rule).outcome
        if outcome == "not_applicable":
            return "skip"
        if outcome == "unknown":
            return None
        return outcome == "pass"
    if agg.output is not None:
        if result.verdict == "not_applicable":
            return "skip"
        value = result.outputs.get(agg.output)
        if value is None:
            return None
        return bool(value >= agg.min) if agg.min is not None else bool(value)
    assert condition is not None
    if result.verdict == "not_applicable":
        return "skip"
    facts = flatten(community, ex.fields_of(condition))
    value = ex.evaluate(condition, facts, params)
    return None if value is None else bool(value)


def _aggregate(
    pack: Pack, agg: Aggregate, pairs: list[tuple[Community, Result]], params: Mapping[str, Any]
) -> tuple[float | int | None, dict[str, Any]]:
    condition = _conditions(pack)[agg.path]
    answers = [_counted(_answer(agg, condition, c, r, params), r) for c, r in pairs]
    met = sum(1 for a in answers if a is True)
    known = sum(1 for a in answers if a is True or a is False)
    unknown = sum(1 for a in answers if a is None)
    value: float | int | None = met if agg.measure == "count" else (met / known if known else None)
    detail = {
        "value": value,
        "met": met,
        "known": known,
        "unknown": unknown,
        "not_applicable": sum(1 for a in answers if a == "skip"),
    }
    return value, detail


def _bounded(
    finding: Finding, low: Finding, high: Finding, bounds: Mapping[str, object]
) -> Finding:
    if low.outcome == high.outcome:
        return finding
    which = [p for p in bounds if p in finding.inputs]
    message = Reason("aggregate_undecided", {"paths": which, "actual": finding.actual})
    return attrs.evolve(finding, outcome="unknown", message=message)


def _conditions(pack: Pack) -> dict[str, ex.Expr | None]:
    """Each aggregate's community condition, parsed and checked once per pack (its plan)."""
    return {a.aggregate.path: a.condition for a in plan_for(pack, "jurisdiction").aggregates}


def evaluate_jurisdiction(
    jurisdiction: Jurisdiction,
    pack: Pack,
    *,
    as_of: dt.date | None = None,
    parameters: Mapping[str, Any] | None = None,
    within: tuple[tuple[str | None, str | None], ...] | None = None,
) -> Result:
    """Evaluate every community of the jurisdiction, its own rules, and its children, nested.

    ``within`` names the jurisdictions it lies in, ``(name, level)`` widest first (children
    are given their parents'); without it, the place its communities give above its name.
    """
    as_of = as_of or dt.date.today()
    _conditions(pack)  # a bad aggregate condition fails before any community is evaluated
    where = scope_of(pack, jurisdiction, within)
    here = (*(within or ()), (jurisdiction.name, jurisdiction.jurisdiction.level))
    evaluated: list[Result] = []
    for c in jurisdiction.communities:
        check_time()  # a time limit (the service's) stops the work between communities
        evaluated.append(
            evaluate_community(placed(c, here), pack, as_of=as_of, parameters=parameters)
        )
    communities = tuple(evaluated)
    children = tuple(
        evaluate_jurisdiction(j, pack, as_of=as_of, parameters=parameters, within=here)
        for j in jurisdiction.jurisdictions
    )
    partial = Result(
        pack.id,
        pack.version,
        pack.digest,
        ENGINE_VERSION,
        jurisdiction.id,
        jurisdiction.name,
        "jurisdiction",
        as_of,
        "pass",
        (),
        {},
        communities,
        children,
    )
    pairs = list(_subtree(jurisdiction, partial))
    params = plan_for(pack, "jurisdiction").parameters_at(as_of, parameters)
    details = {agg.path: _aggregate(pack, agg, pairs, params)[1] for agg in pack.aggregates}
    counts = {
        "total": len(pairs),
        **{
            v: sum(1 for _, r in pairs if r.verdict == v)
            for v in ("pass", "fail", "incomplete", "not_applicable")
        },
    }
    return judge(
        jurisdiction,
        pack,
        as_of,
        parameters,
        where,
        details,
        counts,
        communities=communities,
        children=children,
    )


def judge(
    jurisdiction: Jurisdiction,
    pack: Pack,
    as_of: dt.date,
    parameters: Mapping[str, Any] | None,
    where: scope.ScopeCheck | None,
    details: Mapping[str, Mapping[str, Any]],
    counts: Mapping[str, int],
    *,
    communities: tuple[Result, ...] = (),
    children: tuple[Result, ...] = (),
) -> Result:
    """The jurisdiction's own result from its aggregates over its subtree's communities.

    ``details``: per aggregate path, ``value``, ``met``, ``known``, ``unknown`` and
    ``not_applicable`` (however they were counted: per result, or on columns);
    ``counts``: the output ``communities`` (total and count per verdict).
    """
    aggregates: dict[str, float | int | None] = {p: d["value"] for p, d in details.items()}
    details = {p: dict(d) for p, d in details.items()}
    subject = jurisdiction  # the result's; the rules read the name's own unit (赤峰市红山区)
    if where is not None and where.renamed:
        named = attrs.evolve(jurisdiction.jurisdiction, name=where.own_name)
        jurisdiction = attrs.evolve(jurisdiction, jurisdiction=named)
    findings, outputs = evaluate_jurisdiction_rules(
        jurisdiction, pack, as_of, parameters, aggregates, details, where
    )
    # With unknown communities, a count lies between `met` and `met + unknown`, and a share
    # between met/all and (met + unknown)/all. The share reported is over the known ones;
    # a finding the unknown communities could still change is unknown, never decided.
    lower: dict[str, float | int | None] = {}
    upper: dict[str, float | int | None] = {}
    for agg in pack.aggregates:
        d = details[agg.path]
        if not d["unknown"]:
            continue
        if agg.measure == "count":
            lower[agg.path], upper[agg.path] = d["met"], d["met"] + d["unknown"]
        else:
            total = d["known"] + d["unknown"]
            lower[agg.path], upper[agg.path] = d["met"] / total, (d["met"] + d["unknown"]) / total
    if upper:
        low, _ = evaluate_jurisdiction_rules(
            jurisdiction, pack, as_of, parameters, {**aggregates, **lower}, details, where
        )
        high, _ = evaluate_jurisdiction_rules(
            jurisdiction, pack, as_of, parameters, {**aggregates, **upper}, details, where
        )
        findings = [
            _bounded(f, lo, hi, upper) for f, lo, hi in zip(findings, low, high, strict=True)
        ]
    for agg in pack.aggregates:
        if agg.result_output:
            outputs[agg.result_output] = aggregates[agg.path]
    outputs["communities"] = dict(counts)
    applicable: bool | None = pack.in_force(as_of, parameters)
    if applicable and where is not None:
        applicable = where.inside
    verdict = _own_verdict(findings, applicable)
    if where is not None and pack.info.scope is not None:
        findings = scope.with_scope(
            pack.info.scope, where, findings, applies=applicable is not False
        )
    return Result(
        pack_id=pack.id,
        pack_version=pack.version,
        pack_digest=pack.digest,
        engine_version=ENGINE_VERSION,
        subject_id=subject.id,
        subject_name=subject.name,
        subject_level="jurisdiction",
        as_of=as_of,
        verdict=verdict,
        findings=tuple(findings),
        outputs=outputs,
        communities=communities,
        jurisdictions=children,
    )


def unknown_in(
    pack: Pack,
    agg: Aggregate,
    jurisdiction: Jurisdiction,
    result: Result,
    params: Mapping[str, Any],
) -> Iterator[tuple[Community, Result, bool, bool]]:
    """The communities (nested ones too) an aggregate counts as unknown, each with its result,
    whether its own answer is unknown and whether its place is (:func:`_counted`): what a
    jurisdiction's gap on the aggregate asks for."""
    condition = _conditions(pack)[agg.path]
    for c, r in _subtree(jurisdiction, result):
        answer = _answer(agg, condition, c, r, params)
        if _counted(answer, r) is None:
            yield c, r, answer is None, r.verdict == "incomplete" and _place_unknown(r)
