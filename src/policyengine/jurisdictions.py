"""Evaluating a jurisdiction: every community, then its own rules, then its children."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from policyengine.engine import ENGINE_VERSION, evaluate_community
from policyengine.facts import Jurisdiction
from policyengine.pack import Pack
from policyengine.results import Result, Verdict

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


def evaluate_jurisdiction(
    jurisdiction: Jurisdiction,
    pack: Pack,
    *,
    as_of: dt.date | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> Result:
    """Evaluate every community of the jurisdiction and its children, nested."""
    as_of = as_of or dt.date.today()
    communities = tuple(
        evaluate_community(c, pack, as_of=as_of, parameters=parameters)
        for c in jurisdiction.communities
    )
    children = tuple(
        evaluate_jurisdiction(j, pack, as_of=as_of, parameters=parameters)
        for j in jurisdiction.jurisdictions
    )
    return Result(
        pack_id=pack.id,
        pack_version=pack.version,
        pack_digest=pack.digest,
        engine_version=ENGINE_VERSION,
        subject_id=jurisdiction.id,
        subject_name=jurisdiction.name,
        subject_level="jurisdiction",
        as_of=as_of,
        verdict=_roll_up([*communities, *children]),
        findings=(),
        outputs={},
        communities=communities,
        jurisdictions=children,
    )
