"""Evaluating a jurisdiction: every community, then its own rules over them, then its children.

A jurisdiction's aggregates (``[[aggregates]]`` of the pack: shares and counts) are taken
over every community of its subtree (its own and its child jurisdictions'). A share is
computed over the communities whose answer is known, and the finding says how many were
unknown. The jurisdiction's verdict comes from its own binding rules; a pack without
jurisdiction rules rolls its communities' and children's verdicts up instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from policyengine import expressions as ex
from policyengine.engine import (
    ENGINE_VERSION,
    compile_pack,
    evaluate_community,
    evaluate_jurisdiction_rules,
)
from policyengine.facts import Community, Jurisdiction, flatten
from policyengine.messages import Reason
from policyengine.pack import Aggregate, Pack
from policyengine.plan import plan_for
from policyengine.results import Finding, Result, Verdict, verdict_of

__all__ = ["evaluate_jurisdiction"]


def _roll_up(results: list[Result]) -> Verdict:
    verdicts = {r.verdict for r in results}
    if not verdicts or verdicts == {"not_applicable"}:
        return "not_applicable"
    if "fail" in verdicts:
        return "fail"
    if "incomplete" in verdicts:
        return "incomplete"
    return "pass"


def _subtree(j: Jurisdiction, result: Result) -> Iterator[tuple[Community, Result]]:
    yield from zip(j.communities, result.communities, strict=True)
    for child, child_result in zip(j.jurisdictions, result.jurisdictions, strict=True):
        yield from _subtree(child, child_result)


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
    answers = [_answer(agg, condition, c, r, params) for c, r in pairs]
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
) -> Result:
    """Evaluate every community of the jurisdiction, its own rules, and its children, nested."""
    as_of = as_of or dt.date.today()
    _conditions(pack)  # a bad aggregate condition fails before any community is evaluated
    communities = tuple(
        evaluate_community(c, pack, as_of=as_of, parameters=parameters)
        for c in jurisdiction.communities
    )
    children = tuple(
        evaluate_jurisdiction(j, pack, as_of=as_of, parameters=parameters)
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
    aggregates: dict[str, float | int | None] = {}
    details: dict[str, dict[str, Any]] = {}
    for agg in pack.aggregates:
        aggregates[agg.path], details[agg.path] = _aggregate(pack, agg, pairs, params)
    findings, outputs = evaluate_jurisdiction_rules(
        jurisdiction, pack, as_of, parameters, aggregates, details
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
            jurisdiction, pack, as_of, parameters, {**aggregates, **lower}, details
        )
        high, _ = evaluate_jurisdiction_rules(
            jurisdiction, pack, as_of, parameters, {**aggregates, **upper}, details
        )
        findings = [
            _bounded(f, lo, hi, upper) for f, lo, hi in zip(findings, low, high, strict=True)
        ]
    for agg in pack.aggregates:
        if agg.result_output:
            outputs[agg.result_output] = aggregates[agg.path]
    outputs["communities"] = {
        "total": len(pairs),
        **{
            v: sum(1 for _, r in pairs if r.verdict == v)
            for v in ("pass", "fail", "incomplete", "not_applicable")
        },
    }
    has_own = any(f.binding for f in findings) and compile_pack(pack, "jurisdiction").rules
    verdict = verdict_of(findings, True) if has_own else _roll_up([*communities, *children])
    return Result(
        pack_id=pack.id,
        pack_version=pack.version,
        pack_digest=pack.digest,
        engine_version=ENGINE_VERSION,
        subject_id=jurisdiction.id,
        subject_name=jurisdiction.name,
        subject_level="jurisdiction",
        as_of=as_of,
        verdict=verdict,
        findings=tuple(findings),
        outputs=outputs,
        communities=communities,
        jurisdictions=children,
    )
