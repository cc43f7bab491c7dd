"""What the Fengxiang pack's declarative rules cannot say: the tally of findings by task area.

``areas`` (results.md) is ``{area: {"pass": n, "fail": n, "unknown": n}}`` for the six task
areas of 三、工作任务, always all six, in the document's order. Only the three outcomes are
counted: ``advisory`` (a non-binding item not met) and ``not_applicable`` findings are in
none of them, and findings without a task area (the publicity stage, the self-check
deadline) are not counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from policyengine import EvaluationContext, Finding, hookimpl

AREAS = (
    "组织管理体系",  # 三(一)
    "社区服务功能",  # 三(二)
    "社区社会秩序",  # 三(三)
    "社区文化生活",  # 三(四)
    "社区生活环境",  # 三(五)
    "社区文明风尚",  # 三(六)
)
COUNTED = ("pass", "fail", "unknown")


def tally(findings: Sequence[Finding]) -> dict[str, dict[str, int]]:
    """Count pass, fail and unknown findings per task area (all six areas, zeros included)."""
    areas = {area: dict.fromkeys(COUNTED, 0) for area in AREAS}
    for finding in findings:
        if finding.area in areas and finding.outcome in COUNTED:
            areas[finding.area][finding.outcome] += 1
    return areas


@hookimpl
def pack_outputs(context: EvaluationContext, findings: Sequence[Finding]) -> dict[str, Any]:
    """``areas``: the findings counted by task area."""
    return {"areas": tally(findings)}
