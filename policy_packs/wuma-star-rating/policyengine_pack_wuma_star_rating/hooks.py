"""What the Wuma pack's declarative rules cannot say: rewards, payers, who evaluates.

四(六) reads as follows (policies.md §3): a first rating earns the level's reward; a
promotion earns the 再奖励 of each step climbed, paid by the payers of the step's higher
level; a kept or lowered rating earns nothing. The three-to-four-star promotion reward is
not stated in the document, so any promotion across that step has no stated reward
(``reward_yuan`` null), never 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from policyengine import EvaluationContext, Finding, RuleDecision, hookimpl

LEVEL_REWARD = {
    1: "reward_one_star",
    2: "reward_two_stars",
    3: "reward_three_stars",
    4: "reward_four_stars",
    5: "reward_five_stars",
}
STEP_REWARD = {  # the step that ends at this level
    2: "promotion_one_to_two",
    3: "promotion_two_to_three",
    4: "promotion_three_to_four",
    5: "promotion_four_to_five",
}
STAR_NAMES = {1: "一星级", 2: "二星级", 3: "三星级", 4: "四星级", 5: "五星级"}


def _payers_param(level: int) -> str:
    return "payers_one_to_three_stars" if level <= 3 else "payers_four_to_five_stars"


def _split(amount: int, shares: Mapping[str, float]) -> dict[str, int]:
    """Split an amount by shares; the last payer takes the rounding remainder."""
    out: dict[str, int] = {}
    names = list(shares)
    for name in names[:-1]:
        out[name] = round(amount * shares[name])
    out[names[-1]] = amount - sum(out.values())
    return out


_MEMO: dict[
    tuple[int, int, int], tuple[Mapping[str, Any], tuple[int | None, dict[str, int], str]]
] = {}


def reward(
    stars: int, previous: int, params: Mapping[str, Any]
) -> tuple[int | None, dict[str, int], str]:
    """``(yuan, {payer: yuan}, explanation)``; yuan is None where the document is silent.

    Remembered per parameter mapping (the engine caches one per date), so the rule hook and
    the output hook share the arithmetic.
    """
    key = (stars, previous, id(params))
    hit = _MEMO.get(key)
    if hit is not None and hit[0] is params:
        amount, payers, why = hit[1]
        return amount, dict(payers), why
    if len(_MEMO) > 10_000:
        _MEMO.clear()
    result = _reward(stars, previous, params)
    _MEMO[key] = (params, result)
    return result[0], dict(result[1]), result[2]


def _reward(
    stars: int, previous: int, params: Mapping[str, Any]
) -> tuple[int | None, dict[str, int], str]:
    if stars == 0:
        return 0, {}, "未评定星级，无奖励。"
    if stars <= previous:
        kept = "保留" if stars == previous else "降星"
        return 0, {}, f"{kept}（{previous}→{stars} 星），不再奖励。"
    steps: list[tuple[int, str]] = []
    if previous == 0:
        steps.append((stars, LEVEL_REWARD[stars]))
        how = f"首次评定为{STAR_NAMES[stars]}"
    else:
        steps.extend((level, STEP_REWARD[level]) for level in range(previous + 1, stars + 1))
        how = f"从{STAR_NAMES[previous]}晋升到{STAR_NAMES[stars]}"
    payers: dict[str, int] = {}
    total = 0
    for level, name in steps:
        amount = params.get(name)
        if amount is None:
            return None, {}, f"{how}：文件未规定“{name}”（{level - 1}→{level} 星）的奖励金额。"
        total += int(amount)
        for payer, part in _split(int(amount), params[_payers_param(level)]).items():
            payers[payer] = payers.get(payer, 0) + part
    return total, payers, f"{how}，奖励 {total} 元。"


def _stars(context: EvaluationContext) -> int | None:
    value = context.outputs.get("stars")
    return None if value is None else int(value)


@hookimpl
def pack_evaluate_rule(rule: Any, context: EvaluationContext) -> RuleDecision | None:
    """Decide ``reward.amount``."""
    if rule.id != "reward.amount":
        return None
    stars = _stars(context)
    previous = context.facts.get("happiness.previous_stars")
    if stars is None:
        return RuleDecision("unknown", "星级未能评定（缺少数据），奖励无法确定。")
    if previous is None and stars > 0:
        return RuleDecision(
            "unknown", "缺少数据：happiness.previous_stars（原有星级），无法区分首次评定与晋升。"
        )
    amount, payers, why = reward(stars, previous or 0, context.params)
    shown = previous if previous is not None else "未知"
    actual = f"stars = {stars}; happiness.previous_stars = {shown}"
    if amount is None:
        return RuleDecision("unknown", why, actual=actual)
    if amount == 0:
        return RuleDecision("not_applicable", why, actual=actual)
    split = "、".join(f"{k} {v} 元" for k, v in payers.items())
    return RuleDecision("pass", f"{why}承担：{split}。", expected=f"{amount} 元", actual=actual)


@hookimpl
def pack_outputs(context: EvaluationContext, findings: Sequence[Finding]) -> dict[str, Any]:
    """``eligible``, ``evaluated_by``, ``commended_by`` (四(六): 一至三星级 区委、区政府,
    四、五星级 市委、市政府), ``reward_yuan``, ``reward_payers``."""
    veto = context.findings["eligibility.no-veto"].outcome
    eligible = {"pass": True, "fail": False}.get(veto)
    stars = _stars(context)
    previous = context.facts.get("happiness.previous_stars")
    evaluated_by = commended_by = None
    if stars is not None and stars > 0:
        evaluated_by = "区文明委" if stars <= 3 else "市文明委"
        commended_by = "区委、区政府" if stars <= 3 else "市委、市政府"
    amount: int | None = None
    payers: dict[str, int] | None = None
    if stars is not None and (previous is not None or stars == 0):
        amount, split, _ = reward(stars, previous or 0, context.params)
        payers = split if amount is not None else None
    return {
        "eligible": eligible,
        "evaluated_by": evaluated_by,
        "commended_by": commended_by,
        "reward_yuan": amount,
        "reward_payers": payers,
    }
