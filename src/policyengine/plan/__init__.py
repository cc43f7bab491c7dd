"""The compiled plan of a pack: frozen, typed items, one module per rule kind.

:func:`plan_for` compiles one level (``community`` or ``jurisdiction``) of a pack once per
content digest and returns a :class:`Plan`: every expression parsed and type-checked,
every condition registered with a typed id (:class:`~policyengine.plan.ids.CondId`) and
compiled by a backend (:mod:`policyengine.backends`), every value a condition compares
listed with the fact it reads (:class:`~policyengine.plan.ids.ValueSource`). The engine
evaluates plans; lint, coverage and describe can read them instead of the raw pack.

Adding a rule kind is one module here (its item type and a ``build(b: Build)`` function
that adds ``b.items[name]``, its conditions and the facts it reads) and one line in
:data:`KINDS`. A kind whose items only give outputs from the final findings (like tallies
and fact lists) also appends them to ``b.finishers``, and the engine calls their
``outputs(findings, facts)`` with no other change; a kind that decides findings also needs
its :class:`Plan` field and its step in the engine.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

import attrs

from policyengine.backends import DEFAULT, Matcher, backend
from policyengine.expressions import Normal, fields_of
from policyengine.pack import Pack, ParamValue
from policyengine.pilot import pilot_condition
from policyengine.plan import (
    aggregate,
    applicability,
    condition_rule,
    deadline,
    derived,
    fact_list,
    output,
    scale,
    summary,
    table,
    tally,
)
from policyengine.plan.common import CONTEXT_FACTS, Build, Finisher, Level, type_env
from policyengine.plan.ids import CondId, CondRef, RowFunction, ValueSource, row_function

__all__ = ["KINDS", "CondId", "CondRef", "Level", "Plan", "ValueSource", "compile_plan", "plan_for"]

KINDS: tuple[tuple[str, Callable[[Build], None]], ...] = (
    ("derived", derived.build),
    ("rules", condition_rule.build),
    ("scales", scale.build),
    ("deadlines", deadline.build),
    ("applicability", applicability.build),
    ("outputs", output.build),
    ("summaries", summary.build),
    ("tables", table.build),
    ("tallies", tally.build),
    ("fact_lists", fact_list.build),
    ("aggregates", aggregate.build),
)
"""Each rule kind's compiler, in the order they run (a kind may read earlier kinds' items)."""

_PARAMS_PER_PLAN = 64


@attrs.frozen(eq=False)
class Plan:
    """One level of a pack, compiled: what the engine evaluates for every subject."""

    pack: Pack
    level: Level
    rules: tuple[condition_rule.RuleItem, ...]
    scales: tuple[scale.ScaleItem, ...]
    deadlines: tuple[deadline.DeadlineItem, ...]
    derived: tuple[derived.DerivedItem, ...]
    outputs: tuple[output.OutputItem, ...]
    applicability: applicability.ApplicabilityItem | None
    summaries: tuple[summary.SummaryPlan, ...]
    tables: Mapping[str, table.TablePlan]
    tallies: tuple[tally.TallyPlan, ...]
    fact_lists: tuple[fact_list.FactListPlan, ...]
    aggregates: tuple[aggregate.AggregateItem, ...]
    finishers: tuple[Finisher, ...]
    """Items giving outputs from the final findings (tallies, fact lists), in order."""
    read_paths: tuple[str, ...]
    """The subject's facts the plan reads (derived and context facts excluded)."""
    sources: tuple[ValueSource, ...]
    """Every value the conditions compare, each once."""
    condition_ids: tuple[CondId, ...]
    """What each condition is, by position (:data:`~policyengine.plan.ids.CondRef`)."""
    normals: tuple[Normal, ...]
    """Each condition in normal form, by position (what the backend compiled)."""
    matcher: Matcher = attrs.field(repr=False)
    backend: str = DEFAULT
    _params: dict[dt.date, dict[str, ParamValue | None]] = attrs.field(
        factory=dict, repr=False, alias="_params"
    )
    statics: dict[Any, Any] = attrs.field(factory=dict, repr=False, eq=False)
    """What the engine works out once per date for this plan
    (:func:`policyengine.finding_parts.statics_for`): kept with the plan, gone with it."""

    @cached_property
    def late_rules(self) -> bool:
        """Whether a hook, table or summary rule is decided after the others."""
        return any(r.late for r in self.rules)

    @cached_property
    def hook_rules(self) -> bool:
        """Whether a rule is decided by the pack's hook."""
        return any(r.rule.kind == "hook" for r in self.rules)

    @cached_property
    def outputs_read_outputs(self) -> bool:
        """Whether an output's expression reads another output (``outputs.KEY``)."""
        return any(
            f.startswith("outputs.") for out in self.outputs for f in fields_of(out.expression)
        )

    @cached_property
    def _row(self) -> RowFunction:
        return row_function(self.sources)

    def values(self, facts: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
        """The row of values the backend compares, for one subject."""
        return self._row(facts, params)

    def matching(self, values: Mapping[str, Any]) -> frozenset[int]:
        """Positions of the conditions that hold for ``values``."""
        return self.matcher.matching(values)

    def parameters_at(
        self, as_of: dt.date, overrides: Mapping[str, Any] | None = None
    ) -> Mapping[str, ParamValue | None]:
        """Every parameter's value on ``as_of``; the same mapping for the same date (read-only)."""
        if overrides:
            return self.pack.parameters_at(as_of, overrides)
        found = self._params.get(as_of)
        if found is None:
            if len(self._params) >= _PARAMS_PER_PLAN:
                self._params.clear()
            found = self._params[as_of] = self.pack.parameters_at(as_of)
        return found


def compile_plan(pack: Pack, level: Level = "community", backend_name: str = DEFAULT) -> Plan:
    """Compile one level of ``pack`` (not cached: see :func:`plan_for`).

    Raises :class:`~policyengine.exceptions.PackError` naming the file, the item and the
    problem for an expression that does not parse or type-check.
    """
    b = Build(pack, level, type_env(pack, level), pack.path / "pack.toml")
    for _, build in KINDS:
        build(b)
    derived_paths = {d.path for d in pack.derived} | {a.path for a in pack.aggregates}
    sources: dict[str, ValueSource] = {}
    for kind in ("rules", "scales", "deadlines", "applicability"):
        for item in b.items[kind]:
            for source in item.all_sources:
                sources.setdefault(source.key, source)
    normals = tuple(n for _, n in b.conditions)
    apps = b.items["applicability"]
    return Plan(
        pack=pack,
        level=level,
        rules=b.items["rules"],
        scales=b.items["scales"],
        deadlines=b.items["deadlines"],
        derived=b.items["derived"],
        outputs=b.items["outputs"],
        applicability=apps[0] if apps else None,
        summaries=b.items["summaries"],
        tables={t.id: t for t in b.items["tables"]},
        tallies=b.items["tallies"],
        fact_lists=b.items["fact_lists"],
        aggregates=b.items["aggregates"],
        finishers=tuple(b.finishers),
        read_paths=_with_place(
            pack, level, [p for p in b.paths if p not in derived_paths and p not in CONTEXT_FACTS]
        ),
        sources=tuple(sources.values()),
        condition_ids=tuple(cid for cid, _ in b.conditions),
        normals=normals,
        matcher=backend(backend_name).compile(normals),
        backend=backend_name,
    )


_PLANS: dict[tuple[str, str, Level, str], Plan] = {}
_PLANS_LOCK = threading.Lock()
MAX_PLANS = 256
"""Plans kept (the oldest dropped first): bounded memory when many versions are loaded."""


def plan_for(pack: Pack, level: Level = "community", backend_name: str = DEFAULT) -> Plan:
    """The plan of one level of ``pack``, compiled once per content digest and backend."""
    key = (pack.digest, str(pack.path), level, backend_name)
    found = _PLANS.get(key)  # no lock to read: a dict lookup is atomic
    if found is not None:
        return found
    with _PLANS_LOCK:
        found = _PLANS.get(key)
        if found is None:
            found = compile_plan(pack, level, backend_name)
            while len(_PLANS) >= MAX_PLANS:
                del _PLANS[next(iter(_PLANS))]
            _PLANS[key] = found
        return found


def _with_place(pack: Pack, level: str, paths: list[str]) -> tuple[str, ...]:
    """The paths, with those ``[pack.scope]`` and ``[pack.pilot]`` read for a community."""
    if level == "community":
        if pack.info.scope is not None:
            paths.append("community.jurisdiction")
        pilot = pilot_condition(pack)
        if pilot is not None:
            paths.extend(fields_of(pilot))
    return tuple(dict.fromkeys(paths))
