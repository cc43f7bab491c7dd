"""The ``fact_list`` kind: which facts a group of rules reads are false, and which missing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from policyengine.pack import FactList
from policyengine.plan.common import Build
from policyengine.results import Decided

__all__ = ["FactListPlan", "build"]


@attrs.frozen
class FactListPlan:
    """One ``[[fact_lists]]`` entry with its fact paths resolved (pack order, each once)."""

    fact_list: FactList
    paths: tuple[str, ...]

    def outputs(self, findings: Sequence[Decided], facts: Mapping[str, Any]) -> dict[str, Any]:
        """The false facts and the missing ones, under their output keys."""
        fl = self.fact_list
        out: dict[str, Any] = {}
        if fl.false_output:
            out[fl.false_output] = [p for p in self.paths if facts.get(p) is False]
        if fl.unknown_output:
            out[fl.unknown_output] = [p for p in self.paths if facts.get(p) is None]
        return out


def build(b: Build) -> None:
    """Resolve each fact list's paths from the facts the community items read, in pack order.

    Registered after rules, scales and deadlines, whose items it reads.
    """
    read: list[str] = []
    for kind in ("rules", "scales", "deadlines"):
        for item in b.items.get(kind, ()):
            read.extend(item.fact_paths)
    items = tuple(
        FactListPlan(fl, tuple(dict.fromkeys(p for p in read if p.startswith(fl.prefix))))
        for fl in (b.pack.fact_lists if b.community else ())
    )
    b.items["fact_lists"] = items
    b.finishers.extend(items)
