"""``[[rules]]``: condition rules (and the ``when`` of hook, table and summary rules)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

import attrs

from policyengine import expressions as ex
from policyengine.exceptions import PackError
from policyengine.pack import Rule
from policyengine.plan.common import Build, clauses_of, compile_expr, sources_of, unique
from policyengine.plan.ids import CondId, ValueSource

__all__ = ["LATE_KINDS", "RuleItem", "build"]

LATE_KINDS = frozenset({"hook", "table", "summary"})
"""Rule kinds decided after the others, from their findings and outputs."""


@attrs.frozen
class RuleItem:
    """One rule of the level, compiled."""

    rule: Rule
    index: int
    when: ex.Expr | None
    require: ex.Expr | None
    when_id: int | None
    """The position of ``when`` among the plan's conditions (None: no ``when``)."""
    require_id: int | None
    when_sources: tuple[ValueSource, ...]
    require_sources: tuple[ValueSource, ...]
    fact_paths: tuple[str, ...]
    """The facts the finding shows (``when``, ``require``, then ``reads``)."""
    params: tuple[str, ...]
    clauses: Mapping[str, str | None] = attrs.field(factory=dict)
    """The clause of each parameter in ``params``."""

    @property
    def all_sources(self) -> tuple[ValueSource, ...]:
        """Every value the rule's conditions compare."""
        return self.when_sources + self.require_sources

    @cached_property
    def late(self) -> bool:
        """Decided after the other rules (hook, table and summary rules)."""
        return self.rule.kind in LATE_KINDS


def build(b: Build) -> None:
    """Compile the rules of ``b.level``."""
    items: list[RuleItem] = []
    for i, rule in enumerate(b.pack.rules):
        if rule.subject != b.level:
            continue
        where = f"{b.file}: rules[{i}] ({rule.id})"
        when = compile_expr(rule.when, f"{where}.when", b.env, condition=True)
        require = compile_expr(rule.require, f"{where}.require", b.env, condition=True)
        for path in rule.reads:
            if b.env[0](path) is None:
                raise PackError(f"{where}.reads: {path!r} is not a known fact")
        if rule.kind in ("table", "summary") and not b.community:
            raise PackError(f"{where}: a {rule.kind} rule decides a community")
        fact_paths = unique(
            ex.fields_of(when) if when else (),
            ex.fields_of(require) if require else (),
            rule.reads,
        )
        params = unique(
            ex.params_of(when) if when else (),
            ex.params_of(require) if require else (),
            _derived_params(b, fact_paths),
        )
        items.append(
            RuleItem(
                rule,
                i,
                when,
                require,
                b.condition(CondId("rule", i, "when"), when),
                b.condition(CondId("rule", i, "require"), require),
                sources_of(when),
                sources_of(require),
                fact_paths,
                params,
                clauses_of(b.pack, params),
            )
        )
        b.read(fact_paths)
    b.items["rules"] = tuple(items)


def _derived_params(b: Build, paths: tuple[str, ...]) -> list[str]:
    """The parameters the derived facts among ``paths`` read (and those they derive from):
    a finding names every value it used with its clause and quote, the 30 m² a derived
    "area due" computes with too."""
    expressions = {d.path: d.expression for d in b.pack.derived if d.expression}
    found: list[str] = []
    seen: set[str] = set()
    todo = [p for p in paths if p in expressions]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        expr = ex.parse(expressions[path])
        found.extend(ex.params_of(expr))
        todo.extend(p for p in ex.fields_of(expr) if p in expressions)
    return found
