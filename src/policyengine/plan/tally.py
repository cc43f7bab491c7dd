"""The ``tally`` kind: findings counted by group (e.g. by task area), every group listed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from policyengine.pack import Pack, Tally
from policyengine.plan.common import Build
from policyengine.results import Decided

__all__ = ["TallyPlan", "build", "compile_tally"]


@attrs.frozen
class TallyPlan:
    """One ``[[tallies]]`` entry with its groups resolved, in order."""

    tally: Tally
    groups: tuple[str, ...]

    @property
    def output(self) -> str:
        """The output key receiving ``{group: {outcome: n}}``."""
        return self.tally.output

    def outputs(self, findings: Sequence[Decided], facts: Mapping[str, Any]) -> dict[str, Any]:
        """``{output: the counts}``."""
        return {self.tally.output: self.count(findings)}

    def count(self, findings: Sequence[Decided]) -> dict[str, dict[str, int]]:
        """Count the findings of each group by outcome (zeros included)."""
        counted = self.tally.count
        out = {group: dict.fromkeys(counted, 0) for group in self.groups}
        binding_only = self.tally.binding_only
        for f in findings:
            if binding_only and not f.binding:
                continue
            group = out.get(f.area) if f.area is not None else None
            if group is not None and f.outcome in group:
                group[f.outcome] += 1
        return out


def compile_tally(pack: Pack, tally: Tally) -> TallyPlan:
    """Resolve the groups: those listed, else the areas of binding community rules."""
    if tally.groups:
        return TallyPlan(tally, tally.groups)
    areas: dict[str, None] = {}
    for rule in pack.rules:
        if rule.subject == "community" and rule.area and rule.binding:
            areas.setdefault(rule.area)
    return TallyPlan(tally, tuple(areas))


def build(b: Build) -> None:
    """Plan the pack's tallies (communities only)."""
    items = tuple(compile_tally(b.pack, t) for t in (b.pack.tallies if b.community else ()))
    b.items["tallies"] = items
    b.finishers.extend(items)
