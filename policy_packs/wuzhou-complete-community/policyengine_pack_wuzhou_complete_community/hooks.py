"""What the Wuzhou pack's declarative rules cannot say: which required facilities are absent.

``missing_facilities`` (results.md): the fact names of the required facilities that are
absent. A required facility is a ``facilities.*`` fact read by one of the pack's community
rules (二(一) the fourteen service facilities, 二(二) activity space, green space and fitness
venue, 二(四) the party-mass service centre). Names are full fact paths
(``facilities.nursery``), in pack order. A facility whose fact is missing is unknown, not
absent: it is listed in ``unknown_facilities`` instead, never in ``missing_facilities``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from policyengine import EvaluationContext, Finding, hookimpl

PREFIX = "facilities."


def required_facilities(findings: Sequence[Finding]) -> list[str]:
    """The ``facilities.*`` facts the pack's rules read, in pack order, each once."""
    paths: dict[str, None] = {}
    for finding in findings:
        for path in finding.inputs:
            if path.startswith(PREFIX):
                paths.setdefault(path)
    return list(paths)


@hookimpl
def pack_outputs(context: EvaluationContext, findings: Sequence[Finding]) -> dict[str, Any]:
    """``missing_facilities`` (false) and ``unknown_facilities`` (not given)."""
    required = required_facilities(findings)
    return {
        "missing_facilities": [p for p in required if context.facts.get(p) is False],
        "unknown_facilities": [p for p in required if context.facts.get(p) is None],
    }
