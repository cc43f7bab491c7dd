"""Domain coverage of a pack by its test cases: what the cases showed the pack doing.

Coverage is counted in the pack's own terms, from the findings of every evaluation the
cases made (``docs/how-to/test-a-pack.md``). An *item* is one thing a policy expert
expects a pack's tests to show:

* **rules** (condition and hook rules, community and jurisdiction) and **scales**: seen
  to pass, seen not met (``fail``, or ``advisory`` for a non-binding rule; for a hook rule
  also a ``not_applicable`` its hook decided), and seen ``unknown`` (when it reads facts);
* **scale bands**: for each band, the scale's input exactly at the band's threshold, and
  below it but not below the next lower threshold (any value below, for the lowest band),
  thresholds resolved with each case's parameters; only decided findings count;
* **dated parameters**: each stretch of time between two changes (and the time before the
  first) read by some case whose ``as_of`` falls in it; each programme-year entry read in
  its programme year. A case that overrides the parameter does not count for it;
* **deadlines**: on time (``pass``), late (``overdue`` or ``met_late``; ``advisory`` when
  not binding), and ``unknown`` (missing evidence).

Findings record the parameters of rule and scale conditions only. A parameter no rule or
scale condition reads (read by derived facts, outputs, aggregates, deadlines or the pack's
hooks) is counted as read by every evaluation of the pack.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal

import attrs

from policyengine import expressions as ex
from policyengine.engine import CONTEXT_FACTS
from policyengine.facts import Community, Jurisdiction, flatten, objective_score
from policyengine.pack import Band, Deadline, Pack, Parameter, Rule, Scale
from policyengine.plan import plan_for
from policyengine.results import Finding, Result

__all__ = ["Coverage", "CoverageItem", "Evaluation", "format_percent", "measure"]

ItemKind = Literal[
    "rule",
    "scale",
    "band",
    "parameter",
    "deadline",
    "condition",
    "output",
    "derived",
    "applicability",
    "in_force",
]

_LATE = frozenset({"overdue", "met_late"})


@attrs.frozen
class Evaluation:
    """One evaluation a test case made: its date, its overrides, its facts and its result."""

    label: str
    """The case's name, shown as what covered an item."""
    as_of: dt.date
    parameters: Mapping[str, Any]
    """The case's parameter overrides."""
    subject: Community | Jurisdiction
    result: Result
    checked_outputs: frozenset[str] = frozenset()
    """The outputs the case's expectations name (its values or its nulls)."""


@attrs.frozen
class CoverageItem:
    """One thing the cases should show the pack doing, and which cases showed it."""

    kind: ItemKind
    target: str
    """The rule, scale, deadline or parameter it is about."""
    check: str
    """What must be seen, as a key: ``pass``, ``unmet``, ``unknown``, ``at:1``,
    ``below:1``, ``before:2013-04-10``, ``from:2013-04-10``, ``year:2``, ``on_time``,
    ``late``."""
    what: str
    """The item in domain words, e.g. ``rating.stars band 四星级 (≥ 800)``."""
    missing: str
    """What no case showed, e.g. ``not tested below the threshold``."""
    covered_by: tuple[str, ...] = ()
    """The cases that showed it."""

    @property
    def covered(self) -> bool:
        """Whether some case showed it."""
        return bool(self.covered_by)

    @property
    def text(self) -> str:
        """The uncovered item as the report lists it."""
        return f"{self.what}: {self.missing}"

    def to_dict(self) -> dict[str, Any]:
        """The item as JSON."""
        return {
            "kind": self.kind,
            "target": self.target,
            "check": self.check,
            "covered": self.covered,
            "text": self.text,
            "covered_by": list(self.covered_by),
        }


@attrs.frozen
class Coverage:
    """Every coverage item of one pack, covered or not."""

    pack_id: str
    items: tuple[CoverageItem, ...]

    @property
    def covered(self) -> int:
        """How many items some case showed."""
        return sum(1 for i in self.items if i.covered)

    @property
    def total(self) -> int:
        """How many items there are."""
        return len(self.items)

    @property
    def percent(self) -> float:
        """Covered items as a percentage of all items (100 when there are none)."""
        return 100.0 if not self.items else 100.0 * self.covered / self.total

    @property
    def uncovered(self) -> tuple[CoverageItem, ...]:
        """The items no case showed, in pack order."""
        return tuple(i for i in self.items if not i.covered)

    def summary(self) -> str:
        """``coverage 93.1% (54/58 items)``."""
        return f"coverage {format_percent(self.percent)} ({self.covered}/{self.total} items)"

    def lines(self) -> list[str]:
        """The report: the summary line, then each uncovered item."""
        uncovered = self.uncovered
        if not uncovered:
            return [self.summary()]
        return [f"{self.summary()}; not covered:", *(f"  - {i.text}" for i in uncovered)]

    def to_dict(self) -> dict[str, Any]:
        """The coverage as JSON."""
        return {
            "pack": self.pack_id,
            "percent": round(self.percent, 2),
            "covered": self.covered,
            "total": self.total,
            "uncovered": [i.text for i in self.uncovered],
            "items": [i.to_dict() for i in self.items],
        }


def format_percent(value: float) -> str:
    """A percentage with one decimal, never rounded up to 100 (``99.96`` is ``99.9%``)."""
    return f"{math.floor(value * 10 + 1e-9) / 10:.1f}%"


# ------------------------------------------------------------------------ observing


def _pairs(
    subject: Community | Jurisdiction, result: Result
) -> Iterator[tuple[Community | Jurisdiction, Result]]:
    """Every subject of an evaluation with its result (a jurisdiction's whole tree)."""
    yield subject, result
    if isinstance(subject, Jurisdiction):
        for community, sub in zip(subject.communities, result.communities, strict=False):
            yield community, sub
        for child, sub in zip(subject.jurisdictions, result.jurisdictions, strict=False):
            yield from _pairs(child, sub)


def _fields(*texts: str | None) -> list[str]:
    out: list[str] = []
    for text in texts:
        if text is not None:
            out.extend(ex.fields_of(ex.parse(text)))
    return out


def _reads_facts(paths: Iterable[str]) -> bool:
    return any(p not in CONTEXT_FACTS for p in paths)


def _applies(pack: Pack, subject: Community | Jurisdiction, params: Mapping[str, Any]) -> bool:
    """Whether the pack's applicability condition holds for a community (known and true)."""
    app = pack.info.applicability
    if app is None or not isinstance(subject, Community):
        return True
    expr = ex.parse(app.when)
    facts = flatten(subject, ex.fields_of(expr))
    if "happiness.objective_score" in facts:
        facts["happiness.objective_score"] = objective_score(subject.happiness)
    return ex.evaluate(expr, facts, params) is True


def _decided_by_hook(
    pack: Pack, rule: Rule, finding: Finding, ev: Evaluation, subject: Community | Jurisdiction
) -> bool:
    """A hook or table rule's not_applicable that it decided (not the engine's pre-checks)."""
    if rule.kind not in ("hook", "table", "summary") or finding.outcome != "not_applicable":
        return False
    if not pack.in_force(ev.as_of) or any(v is None for v in finding.parameters.values()):
        return False
    if rule.when is not None:
        held = ex.evaluate(ex.parse(rule.when), finding.inputs, finding.parameters)
        if held is not True:
            return False
    return _applies(pack, subject, pack.parameters_at(ev.as_of, ev.parameters))


def _recorded_params(pack: Pack) -> set[str]:
    """Parameters that findings name: those read by rule and scale conditions (the plan's)."""
    names: set[str] = set()
    for plan in (plan_for(pack, "community"), plan_for(pack, "jurisdiction")):
        for rule in plan.rules:
            names.update(rule.params)
        for scale in plan.scales:
            names.update(scale.params)
    return names


# -------------------------------------------------------------------------- describing


def _fmt(value: Any) -> str:
    if value is None:
        return "no value"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k} = {_fmt(v)}" for k, v in value.items()) + "}"
    return str(value)


def _display_params(pack: Pack) -> dict[str, Any]:
    """Parameter values to show in band thresholds: only those that never change."""
    shown: dict[str, Any] = {}
    for name, param in pack.parameters.items():
        if param.value is not None:
            shown[name] = param.value
            continue
        values = {repr(e.value) for e in param.values if e.value is not None}
        if len(values) == 1:
            shown[name] = next(e.value for e in param.values if e.value is not None)
    return shown


def _rule_what(element: Rule | Scale | Deadline) -> str:
    return f"{element.id} ({element.clause} {element.title})"


def _band_what(scale: Scale, band: Band, shown: Mapping[str, Any]) -> str:
    label = band.label or str(band.value)
    text = band.min if isinstance(band.min, str) else repr(band.min)
    return f"{scale.id} band {label} (≥ {ex.render(ex.parse(text), shown)})"


def _param_what(param: Parameter) -> str:
    return f"parameter {param.name} ({param.title})"


# --------------------------------------------------------------------------- measuring


@attrs.define
class _Collector:
    items: dict[tuple[str, str, str], list[str]] = attrs.field(factory=dict)
    order: list[tuple[ItemKind, str, str, str, str]] = attrs.field(factory=list)

    def add(self, kind: ItemKind, target: str, check: str, what: str, missing: str) -> None:
        key = (kind, target, check)
        if key not in self.items:
            self.items[key] = []
            self.order.append((kind, target, check, what, missing))

    def see(self, kind: str, target: str, check: str, label: str) -> None:
        seen = self.items.get((kind, target, check))
        if seen is not None and label not in seen:
            seen.append(label)

    def build(self) -> tuple[CoverageItem, ...]:
        return tuple(
            CoverageItem(
                kind, target, check, what, missing, tuple(self.items[(kind, target, check)])
            )
            for kind, target, check, what, missing in self.order
        )


def _declare(pack: Pack, col: _Collector) -> None:
    """Every item of the pack, in pack order, none yet covered."""
    for rule in pack.rules:
        what = _rule_what(rule)
        col.add("rule", rule.id, "pass", what, "never seen to pass")
        unmet = "never seen to fail" if rule.binding else "never seen advisory (not met)"
        col.add("rule", rule.id, "unmet", what, unmet)
        if _reads_facts([*_fields(rule.when, rule.require), *rule.reads]):
            col.add("rule", rule.id, "unknown", what, "never seen unknown (missing data)")
    shown = _display_params(pack)
    for scale in pack.scales:
        what = _rule_what(scale)
        col.add("scale", scale.id, "pass", what, "never seen to reach a band")
        col.add("scale", scale.id, "unmet", what, "never seen below the lowest band")
        if _reads_facts(_fields(scale.input, scale.when)):
            col.add("scale", scale.id, "unknown", what, "never seen unknown (missing data)")
        for j, band in enumerate(scale.bands):
            band_what = _band_what(scale, band, shown)
            col.add("band", scale.id, f"at:{j}", band_what, "not tested at the threshold")
            col.add("band", scale.id, f"below:{j}", band_what, "not tested below the threshold")
    for dl in pack.deadlines:
        what = f"deadline {_rule_what(dl)}"
        col.add("deadline", dl.id, "on_time", what, "not tested on time (pass)")
        late = "overdue or met_late" if dl.binding else "advisory: overdue or met late"
        col.add("deadline", dl.id, "late", what, f"not tested late ({late})")
        if _reads_facts(_fields(dl.evidence, dl.when)):
            col.add("deadline", dl.id, "unknown", what, "never seen unknown (missing evidence)")
    for param in pack.parameters.values():
        what = _param_what(param)
        for check, missing in _param_windows(param):
            col.add("parameter", param.name, check, what, missing)
    _declare_more(pack, col)


def _comparisons(text: str | None) -> list[ex.Expr]:
    """The comparisons of a condition that read a fact (its thresholds), in order."""
    if text is None:
        return []
    found: list[ex.Expr] = []

    def walk(e: ex.Expr) -> None:
        if isinstance(e, ex.Compare | ex.Contains):
            if _reads_facts(ex.fields_of(e)):
                found.append(e)
        elif isinstance(e, ex.And | ex.Or):
            for item in e.items:
                walk(item)
        elif isinstance(e, ex.Not):
            walk(e.item)

    walk(ex.parse(text))
    return found


def _condition_items(rule: Rule) -> Iterator[tuple[str, ex.Expr]]:
    """``(check prefix, comparison)`` for each threshold inside a rule's conditions.

    A ``require`` that is a single comparison is left out: its rule's pass and unmet
    items already show both sides.
    """
    if rule.kind != "condition":
        return
    for name, text in (("when", rule.when), ("require", rule.require)):
        nodes = _comparisons(text)
        if name == "require" and text is not None and nodes == [ex.parse(text)]:
            continue
        for k, node in enumerate(nodes):
            yield f"{name}:{k}", node


def _outputs_of(pack: Pack) -> list[str]:
    """Every output key the pack states: its outputs, scales, deadlines, aggregates, phase."""
    keys = [*pack.outputs, *(s.output for s in pack.scales)]
    keys += [d.output for d in pack.deadlines if d.output]
    keys += [a.result_output for a in pack.aggregates if a.result_output]
    if pack.phases:
        keys.append(pack.info.phase_output)
    return list(dict.fromkeys(keys))


def _declare_more(pack: Pack, col: _Collector) -> None:
    """Items beyond outcomes: thresholds inside conditions, outputs, derived facts,
    applicability and the dates in force."""
    for rule in pack.rules:
        for check, node in _condition_items(rule):
            what = f"{rule.id} ({rule.clause}) {check.split(':')[0]} `{ex.render(node)}`"
            col.add("condition", rule.id, f"{check}:true", what, "never seen true")
            col.add("condition", rule.id, f"{check}:false", what, "never seen false")
    for key in _outputs_of(pack):
        col.add(
            "output", key, "checked", f"output {key}", "no case checks it (outputs or null_outputs)"
        )
    for d in pack.derived:
        if d.expression is None:
            continue
        what = f"derived fact {d.path} ({d.title})"
        col.add("derived", d.path, "value", what, "never computed (no case gave its inputs)")
        if _reads_facts(_fields(d.expression)):
            col.add("derived", d.path, "unknown", what, "never seen unknown (an input missing)")
    app = pack.info.applicability
    if app is not None:
        what = f"pack applicability `{app.when}` ({app.clause})"
        col.add("applicability", "pack", "applies", what, "never seen to apply")
        col.add("applicability", "pack", "not", what, "never seen not to apply")
        col.add("applicability", "pack", "unknown", what, "never seen unknown (missing data)")
    start, end = pack.info.effective_from, pack.info.effective_until
    if start is not None:
        what = f"in force from {start}"
        col.add("in_force", "pack", f"before:{start}", what, "not tested the day before or earlier")
        col.add("in_force", "pack", f"from:{start}", what, "not tested on or after it")
    if end is not None:
        what = f"in force until {end}"
        col.add("in_force", "pack", f"until:{end}", what, "not tested on or before it")
        col.add("in_force", "pack", f"after:{end}", what, "not tested after it")


def _observe_more(
    pack: Pack,
    ev: Evaluation,
    pairs: list[tuple[Community | Jurisdiction, Result]],
    col: _Collector,
) -> None:
    label = ev.label
    start, end = pack.info.effective_from, pack.info.effective_until
    if start is not None:
        col.see("in_force", "pack", f"{'before' if ev.as_of < start else 'from'}:{start}", label)
    if end is not None:
        col.see("in_force", "pack", f"{'after' if ev.as_of > end else 'until'}:{end}", label)
    for key in ev.checked_outputs:
        col.see("output", key, "checked", label)
    if not pack.in_force(ev.as_of):
        return
    params = pack.parameters_at(ev.as_of, ev.parameters)
    rules = {r.id: r for r in pack.rules}
    for subject, result in pairs:
        if isinstance(subject, Community):
            _observe_community(pack, subject, params, label, col)
        for finding in result.findings:
            rule = rules.get(finding.rule)
            if rule is None:
                continue
            for check, node in _condition_items(rule):
                held = _held(node, finding)
                if held is not None:
                    col.see("condition", rule.id, f"{check}:{'true' if held else 'false'}", label)


def _held(node: ex.Expr, finding: Finding) -> bool | None:
    """Whether a comparison held for the facts a finding read (None: not known)."""
    facts = {  # an aggregate is recorded with its details: its value is under "value"
        k: v.get("value") if isinstance(v, Mapping) else v for k, v in finding.inputs.items()
    }
    try:
        held = ex.evaluate(node, facts, finding.parameters)
    except (TypeError, ValueError):  # an input recorded in another form (a share's details)
        return None
    return held if isinstance(held, bool) else None


def _observe_community(
    pack: Pack, subject: Community, params: Mapping[str, Any], label: str, col: _Collector
) -> None:
    facts = flatten(subject)
    facts.update(subject.pack_facts)
    facts["happiness.objective_score"] = objective_score(subject.happiness)
    for d in pack.derived:
        if d.expression is None:
            continue
        value = ex.evaluate(ex.parse(d.expression), facts, params)
        facts[d.path] = value
        col.see("derived", d.path, "unknown" if value is None else "value", label)
    app = pack.info.applicability
    if app is not None:
        held = ex.evaluate(ex.parse(app.when), facts, params)
        check = "unknown" if held is None else "applies" if held is True else "not"
        col.see("applicability", "pack", check, label)


def _param_windows(param: Parameter) -> list[tuple[str, str]]:
    """``(check, missing text)`` for each stretch of a dated parameter, each programme year."""
    out: list[tuple[str, str]] = []
    dated = sorted((e for e in param.values if e.since is not None), key=lambda e: e.since or 0)
    if dated:
        first = dated[0].since
        assert first is not None
        out.append((f"before:{first}", f"not tested before {first} (no value then)"))
        for k, entry in enumerate(dated):
            since = entry.since
            assert since is not None
            if k + 1 < len(dated):
                nxt = dated[k + 1].since
                assert nxt is not None
                span = f"from {since} to {nxt - dt.timedelta(days=1)}"
            else:
                span = f"from {since}"
            value = "no value" if entry.value is None else f"= {_fmt(entry.value)}"
            out.append((f"from:{since}", f"not tested {span} ({value})"))
    for entry in sorted((e for e in param.values if e.year is not None), key=lambda e: e.year or 0):
        value = "no value" if entry.value is None else f"= {_fmt(entry.value)}"
        out.append((f"year:{entry.year}", f"not tested in programme year {entry.year} ({value})"))
    return out


def _window_of(param: Parameter, as_of: dt.date) -> str | None:
    dated = sorted(e.since for e in param.values if e.since is not None)
    if not dated:
        return None
    if as_of < dated[0]:
        return f"before:{dated[0]}"
    return f"from:{[s for s in dated if s <= as_of][-1]}"


def _observe_finding(
    pack: Pack,
    element: Rule | Scale | Deadline,
    finding: Finding,
    ev: Evaluation,
    subject: Community | Jurisdiction,
    col: _Collector,
) -> None:
    outcome, label = finding.outcome, ev.label
    if isinstance(element, Deadline):
        if outcome == "pass":
            col.see("deadline", element.id, "on_time", label)
        elif outcome in _LATE or (outcome == "advisory" and not element.binding):
            col.see("deadline", element.id, "late", label)
        elif outcome == "unknown":
            col.see("deadline", element.id, "unknown", label)
        return
    kind = "scale" if isinstance(element, Scale) else "rule"
    if outcome == "pass":
        col.see(kind, element.id, "pass", label)
    elif outcome in ("fail", "advisory"):
        col.see(kind, element.id, "unmet", label)
    elif outcome == "unknown":
        col.see(kind, element.id, "unknown", label)
    elif isinstance(element, Rule) and _decided_by_hook(pack, element, finding, ev, subject):
        col.see(kind, element.id, "unmet", label)
    if isinstance(element, Scale) and outcome in ("pass", "fail", "advisory"):
        _observe_bands(element, finding, label, col)


def _observe_bands(scale: Scale, finding: Finding, label: str, col: _Collector) -> None:
    value = ex.evaluate(ex.parse(scale.input), finding.inputs, finding.parameters)
    if not isinstance(value, int | float) or isinstance(value, bool):
        return
    thresholds: list[float | None] = []
    for band in scale.bands:
        text = band.min if isinstance(band.min, str) else repr(band.min)
        t = ex.evaluate(ex.parse(text), {}, finding.parameters)
        thresholds.append(t if isinstance(t, int | float) and not isinstance(t, bool) else None)
    for j, t in enumerate(thresholds):
        if t is None:
            continue
        if abs(value - t) <= 1e-9 * max(1.0, abs(t)):
            col.see("band", scale.id, f"at:{j}", label)
        elif value < t:
            lower = [x for x in thresholds if x is not None and x < t]
            if not lower or value >= max(lower):
                col.see("band", scale.id, f"below:{j}", label)


def _observe_params(
    pack: Pack, ev: Evaluation, read: set[str], unrecorded: set[str], col: _Collector
) -> None:
    year = pack.programme_year(ev.as_of, ev.parameters)
    for name, param in pack.parameters.items():
        if name in ev.parameters or (name not in read and name not in unrecorded):
            continue
        window = _window_of(param, ev.as_of)
        if window is not None:
            col.see("parameter", name, window, ev.label)
        if year is not None:
            col.see("parameter", name, f"year:{year}", ev.label)


def measure(pack: Pack, evaluations: Iterable[Evaluation]) -> Coverage:
    """The domain coverage of ``pack`` by these evaluations (its cases' results)."""
    col = _Collector()
    _declare(pack, col)
    elements: dict[str, Rule | Scale | Deadline] = {
        **{r.id: r for r in pack.rules},
        **{s.id: s for s in pack.scales},
        **{d.id: d for d in pack.deadlines},
    }
    unrecorded = set(pack.parameters) - _recorded_params(pack)
    for ev in evaluations:
        read: set[str] = set()
        pairs = list(_pairs(ev.subject, ev.result))
        _observe_more(pack, ev, pairs, col)
        for subject, result in pairs:
            for finding in result.findings:
                read.update(finding.parameters)
                element = elements.get(finding.rule)
                if element is not None:
                    _observe_finding(pack, element, finding, ev, subject, col)
        _observe_params(pack, ev, read, unrecorded, col)
    return Coverage(pack.id, col.build())
