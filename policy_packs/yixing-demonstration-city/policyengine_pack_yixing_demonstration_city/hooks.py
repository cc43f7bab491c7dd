"""What the Yixing pack's declarative rules cannot say: a summary by task area.

Community outputs:

* ``areas``: ``{area: {"pass": n, "fail": n, "unknown": n}}`` over the binding community
  rules of each area (the eight tasks of 三 and the publicity of 五(二)), so an official
  sees at once which task a community falls short on.
* ``meets_all_requirements``: true when every binding community rule passes, false when
  one fails, null otherwise (some fact unknown, or the pack not in force on the date:
  before 2012-09-01 nothing is assessed, so a community neither meets nor misses them).
  The jurisdiction aggregate ``share_communities_meeting_all_requirements`` is taken over
  it; the document sets no target for that share.

The stage (``stage``) comes from the pack's ``[[phases]]``; jurisdiction results have no
hook outputs (the hook is called for communities only).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from policyengine import EvaluationContext, Finding, hookimpl

COUNTED = ("pass", "fail", "unknown")


@hookimpl
def pack_outputs(context: EvaluationContext, findings: Sequence[Finding]) -> dict[str, Any]:
    """``areas`` and ``meets_all_requirements`` for one community."""
    areas: dict[str, dict[str, int]] = {}
    for rule in context.pack.rules:
        if rule.subject == "community" and rule.area and rule.binding:
            areas.setdefault(rule.area, dict.fromkeys(COUNTED, 0))
    outcomes: list[str] = []
    for f in findings:
        if not f.binding or f.area not in areas:
            continue
        outcomes.append(f.outcome)
        if f.outcome in COUNTED:
            areas[f.area][f.outcome] += 1
    meets: bool | None
    if any(o == "fail" for o in outcomes):
        meets = False
    elif "pass" in outcomes and all(o in ("pass", "not_applicable") for o in outcomes):
        meets = True
    else:
        meets = None
    return {"areas": areas, "meets_all_requirements": meets}
