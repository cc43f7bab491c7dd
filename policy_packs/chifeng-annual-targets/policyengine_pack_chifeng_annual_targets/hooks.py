"""What the Chifeng pack's declarative rules cannot say: the harmonious-community basic standard.

The plan measures its yearly targets by the share of communities that reach the
“和谐社区基本标准” (the copy reads 友好小区基本原则). The standard itself (附件1) is not in the
copy; policies.md §2 reads it as the community-level requirements of the programme year. So a
community meets the basic standard on a date when none of its *binding* community findings
fails and none is unknown (advisory findings — guidelines and shares decided at jurisdiction
level — do not count). Outside the programme years there is no yearly standard: null.

``meets_basic_standard`` is ``True`` (none fails, none unknown), ``False`` (one fails) or
``None`` (one is unknown and none fails; the pack does not apply, or its applicability is
unknown; or the date is outside the programme). The year-1 rule ``standard.key-community``
repeats that answer for the 26 key communities, so jurisdictions can count them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from policyengine import EvaluationContext, Finding, RuleDecision, hookimpl

KEY_RULE = "standard.key-community"
URBAN_KINDS = ("urban", "affordable_housing")
"""The kinds of 城镇社区 the plan covers (the pack's applicability)."""
FAILED = frozenset({"fail", "overdue", "met_late"})


def _standard_findings(findings: Iterable[Finding]) -> list[Finding]:
    """The binding community findings that make up the basic standard."""
    return [f for f in findings if f.binding and f.rule != KEY_RULE]


def basic_standard(
    context: EvaluationContext, findings: Iterable[Finding]
) -> tuple[bool | None, str]:
    """``(meets, explanation)`` for one community on ``context.as_of``."""
    if context.programme_year is None:
        return None, f"{context.as_of.isoformat()} 不在专项推进的三年内，无年度基本标准。"
    kind = context.facts.get("community.kind")
    if kind is None:
        return None, "缺少数据：community.kind（是否城镇社区），无法判断基本标准。"
    if kind not in URBAN_KINDS or not context.pack.in_force(context.as_of):
        return None, "本方案不适用于该社区，无基本标准。"
    relevant = _standard_findings(findings)
    failed = [f.rule for f in relevant if f.outcome in FAILED]
    unknown = [f.rule for f in relevant if f.outcome == "unknown"]
    if failed:
        return False, f"未达到基本标准：不符合 {'、'.join(failed)}。"
    if unknown:
        return None, f"无法判断是否达到基本标准：缺少数据的要求 {'、'.join(unknown)}。"
    applied = [f.rule for f in relevant if f.outcome == "pass"]
    return True, f"达到第{context.programme_year}年基本标准：{len(applied)} 项约束性要求全部符合。"


@hookimpl
def pack_evaluate_rule(rule: Any, context: EvaluationContext) -> RuleDecision | None:
    """Decide ``standard.key-community`` from the community's other findings."""
    if rule.id != KEY_RULE:
        return None
    meets, why = basic_standard(context, context.findings.values())
    outcome = {True: "pass", False: "fail", None: "unknown"}[meets]
    return RuleDecision(
        outcome,
        why,
        expected="重点社区达到和谐社区基本标准（全部约束性要求符合）",
        actual=f"meets_basic_standard = {'未知' if meets is None else ('是' if meets else '否')}",
    )


@hookimpl
def pack_outputs(context: EvaluationContext, findings: Sequence[Finding]) -> dict[str, Any]:
    """``meets_basic_standard``: bool, or null when it cannot be decided."""
    meets, _ = basic_standard(context, findings)
    return {"meets_basic_standard": meets}
