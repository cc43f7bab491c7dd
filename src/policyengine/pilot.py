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

from collections.abc import Mapping, Sequence

import attrs

from policyengine import expressions as ex
from policyengine.exceptions import PackError
from policyengine.facts import Community, fact_catalogue, flatten
from policyengine.i18n import fact_label, text
from policyengine.messages import FROM_INPUTS, Reason, Words
from policyengine.pack import Pack
from policyengine.results import Finding
from policyengine.scope import Pilot, same_place

__all__ = [
    "PILOT_RULE",
    "PLACE",
    "apply_pilot",
    "pilot_condition",
    "stops_at_territory",
    "units_named",
]

PILOT_RULE = "pilot"
"""The rule id of the pilot finding."""

_GAP = frozenset({"fail", "overdue", "met_late"})


_CONDITIONS: dict[str, ex.Expr] = {}
"""Each pilot condition parsed and checked once (by its text)."""


def pilot_condition(pack: Pack) -> ex.Expr | None:
    """The pack's ``[pack.pilot] when``, parsed and checked against the community facts
    once (None: the pack has no pilot); a bad one is a PackError naming pack.toml."""
    pilot = pack.info.pilot
    return None if pilot is None else _condition(pack, pilot)


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
    message = Reason("pilot_gap", {"message": finding.reason or finding.message})
    return attrs.evolve(finding, binding=False, outcome=outcome, message=message)


PLACE = "community.jurisdiction"
"""The fact that says where a community lies."""


def stops_at_territory(pack: Pack, place: object) -> bool:
    """Whether a community's place ends at a level of the pack's territory (its city, say),
    so that no unit below it, where a pilot lies, is given."""
    scope = pack.info.scope
    if scope is None or not isinstance(place, list | tuple) or not place:
        return False
    last = place[-1]
    names = (scope.territory, *(n for level in scope.levels for n in level.names))
    return isinstance(last, str) and any(same_place(last, name) for name in names)


def units_named(expr: ex.Expr) -> list[str]:
    """The places the pilot condition looks for in ``community.jurisdiction``."""
    if isinstance(expr, ex.Contains):
        return [expr.value] if expr.path == PLACE else []
    if isinstance(expr, ex.And | ex.Or):
        return [unit for item in expr.items for unit in units_named(item)]
    if isinstance(expr, ex.Not):
        return units_named(expr.item)
    return []


def apply_pilot(pack: Pack, community: Community, findings: Sequence[Finding]) -> list[Finding]:
    """The ``pilot`` finding first, then the findings, binding only for the pilot unit."""
    pilot = pack.info.pilot
    if pilot is None:
        return list(findings)
    expr = _condition(pack, pilot)
    facts = flatten(community, ex.fields_of(expr))
    value = ex.evaluate(expr, facts, {})
    is_pilot = None if value is None else bool(value)
    asked = facts
    place = facts.get(PLACE)
    if is_pilot is False and stops_at_territory(pack, place):
        # [广西壮族自治区, 梧州市] says nothing of the district: unknown if some unit below
        # it would make the community the pilot, as the other facts are (not by another name)
        assert isinstance(place, list | tuple)
        below = [[*place, unit] for unit in units_named(expr)]
        if any(ex.evaluate(expr, {**facts, PLACE: p}, {}) for p in below):
            is_pilot, asked = None, {**facts, PLACE: None}
    unit = {"unit": pilot.unit}
    if is_pilot:
        outcome, message = "pass", Reason("pilot_is", unit)
    elif is_pilot is False:
        # said as the reason the pilot does not apply (a sentence, not the bare title)
        outcome = "not_applicable"
        message = Reason("not_applicable", {"reason": Reason("pilot_not", unit)})
    else:
        missing = [
            Words(fact_label(p, "zh"), fact_label(p, "en"))
            for p in ex.fields_of(expr)
            if asked.get(p) is None
        ]
        outcome, message = "unknown", Reason("pilot_unknown", {**unit, "facts": missing})
    finding = Finding(
        rule=PILOT_RULE,
        outcome=outcome,  # type: ignore[arg-type]
        title=text("title.pilot", "zh", **unit),
        clause=pilot.clause,
        quote=pilot.quote,
        responsible=(),
        inputs=dict(facts),
        expected=pilot.when,
        actual=FROM_INPUTS,
        message=message,
        binding=True,
        title_en=text("title.pilot", "en", **unit),
    )
    rest = list(findings) if is_pilot else [_gap(f) for f in findings]
    if is_pilot is None:  # a duty of the pilot unit alone: not known to apply, not "no"
        only = pilot_only(pack)
        rest = [_not_known(f, unit) if f.rule in only else f for f in rest]
    elif is_pilot is False:  # a duty of the pilot unit alone: say why it does not apply
        only = pilot_only(pack)
        rest = [_not_pilot(f, unit) if f.rule in only else f for f in rest]
    return [finding, *rest]


def pilot_only(pack: Pack) -> frozenset[str]:
    """The rules and deadlines that apply to the pilot unit alone (their ``when`` is the
    pilot's): where the pilot is not known, neither is whether they apply."""
    pilot = pack.info.pilot
    if pilot is None:
        return frozenset()
    whens = [(r.id, r.when) for r in pack.rules] + [(d.id, d.when) for d in pack.deadlines]
    return frozenset(
        i for i, when in whens if when is not None and when.strip() == pilot.when.strip()
    )


def _not_pilot(finding: Finding, unit: Mapping[str, str]) -> Finding:
    if finding.outcome != "not_applicable":
        return finding
    duty = Words(finding.title, finding.title_en)
    reason = Reason("pilot_duty_not", {**unit, "title": duty})
    return attrs.evolve(finding, message=Reason("not_applicable", {"reason": reason}))


def _not_known(finding: Finding, unit: Mapping[str, str]) -> Finding:
    if finding.outcome != "not_applicable":
        return finding
    message = Reason("pilot_duty_unknown", dict(unit))
    return attrs.evolve(finding, outcome="unknown", binding=False, message=message)
