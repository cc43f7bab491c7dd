"""A pilot: the document's rules bind one unit; elsewhere in its territory they are a gap analysis.

A pack declares ``[pack.pilot]`` (``docs/reference/pack-format.md``) with a condition naming
the pilot unit (e.g. ``community.jurisdiction contains "长洲区" and community.name == "神冠社区"``).
For a community where it holds, every rule binds as written. Where it does not hold, each
binding finding becomes advisory — the same requirement, read as the distance to the pilot
standard — and never changes the verdict. Where it cannot be told (a fact it reads is
missing), the findings are shown as the gap analysis and a binding ``pilot`` finding is
``unknown``, so the verdict is ``incomplete``, never ``fail``.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from policyengine import expressions as ex
from policyengine.exceptions import PackError
from policyengine.facts import Community, fact_catalogue, flatten
from policyengine.pack import Pack
from policyengine.results import Finding
from policyengine.scope import Pilot

__all__ = ["PILOT_RULE", "apply_pilot"]

PILOT_RULE = "pilot"
"""The rule id of the pilot finding."""

_GAP = frozenset({"fail", "overdue", "met_late"})


_CONDITIONS: dict[str, ex.Expr] = {}
"""Each pilot condition parsed and checked once (by its text)."""


def _condition(pack: Pack, pilot: Pilot) -> ex.Expr:
    cached = _CONDITIONS.get(pilot.when)
    if cached is not None:
        return cached
    catalogue = fact_catalogue("community")
    try:
        expr = ex.parse(pilot.when)
        for path in ex.fields_of(expr):
            if path not in catalogue:
                raise ex.ExpressionError(f"{path!r} is not a known community fact")
    except ex.ExpressionError as exc:
        raise PackError(f"{pack.path / 'pack.toml'}: pack.pilot.when: {exc}") from None
    if len(_CONDITIONS) > 1000:
        _CONDITIONS.clear()
    _CONDITIONS[pilot.when] = expr
    return expr


def _gap(finding: Finding) -> Finding:
    if not finding.binding:
        return finding
    outcome = "advisory" if finding.outcome in _GAP else finding.outcome
    message = f"对照试点标准（差距分析，不影响结论）：{finding.message}"
    return attrs.evolve(finding, binding=False, outcome=outcome, message=message)


def apply_pilot(pack: Pack, community: Community, findings: Sequence[Finding]) -> list[Finding]:
    """The ``pilot`` finding first, then the findings, binding only for the pilot unit."""
    pilot = pack.info.pilot
    if pilot is None:
        return list(findings)
    expr = _condition(pack, pilot)
    facts = flatten(community, ex.fields_of(expr))
    value = ex.evaluate(expr, facts, {})
    is_pilot = None if value is None else bool(value)
    if is_pilot:
        outcome, message = "pass", f"该社区是试点单元（{pilot.unit}）：各项要求均为约束性要求。"
    elif is_pilot is False:
        outcome = "not_applicable"
        message = (
            f"该社区不是试点单元（{pilot.unit}）：各项要求作为对照试点标准的差距分析"
            "（建议），不影响结论。"
        )
    else:
        missing = "、".join(p for p in ex.fields_of(expr) if facts.get(p) is None)
        outcome = "unknown"
        message = (
            f"缺少数据：{missing}，无法判断该社区是否为试点单元（{pilot.unit}）；"
            "各项要求暂作差距分析列出。"
        )
    finding = Finding(
        rule=PILOT_RULE,
        outcome=outcome,  # type: ignore[arg-type]
        title=f"试点单元：{pilot.unit}",
        clause=pilot.clause,
        quote=pilot.quote,
        responsible=(),
        inputs=dict(facts),
        expected=pilot.when,
        actual="; ".join(f"{k} = {'未知' if v is None else v}" for k, v in facts.items()),
        message=message,
        binding=True,
    )
    rest = list(findings) if is_pilot else [_gap(f) for f in findings]
    return [finding, *rest]
