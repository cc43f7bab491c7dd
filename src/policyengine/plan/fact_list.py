"""The ``fact_list`` kind: which facts a group of rules reads are false, and which missing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from policyengine.pack import FactList

__all__ = ["FactListPlan"]


@attrs.frozen
class FactListPlan:
    """One ``[[fact_lists]]`` entry with its fact paths resolved (pack order, each once)."""

    fact_list: FactList
    paths: tuple[str, ...]

    def outputs(self, facts: Mapping[str, Any]) -> dict[str, Any]:
        """The false facts and the missing ones, under their output keys."""
        fl = self.fact_list
        out: dict[str, Any] = {}
        if fl.false_output:
            out[fl.false_output] = [p for p in self.paths if facts.get(p) is False]
        if fl.unknown_output:
            out[fl.unknown_output] = [p for p in self.paths if facts.get(p) is None]
        return out
