"""What every rule kind's compiler shares: the type environment, parsing, value sources."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

import attrs

from policyengine import expressions as ex
from policyengine.exceptions import PackError
from policyengine.facts import FactType, fact_catalogue
from policyengine.pack import Pack
from policyengine.plan.ids import CondId, ValueSource, source_of
from policyengine.results import Decided

__all__ = [
    "CONTEXT_FACTS",
    "Build",
    "Finisher",
    "Level",
    "TypeEnv",
    "check_engine_limits",
    "clauses_of",
    "compile_expr",
    "sources_of",
    "type_env",
]

Level = Literal["community", "jurisdiction"]

CONTEXT_FACTS: dict[str, FactType] = {
    "as_of.year": FactType("int"),
    "as_of.month": FactType("int"),
    "as_of.day": FactType("int"),
    "programme.year": FactType("int"),
    "as_of.phase": FactType("text"),
}
"""Facts every evaluation provides about its own date, readable by rules."""

FieldType = Callable[[str], "tuple[ex.ValueType, tuple[str, ...]] | None"]
ParamType = Callable[[str], "ex.ValueType | None"]
TypeEnv = tuple[FieldType, ParamType]


def type_env(pack: Pack, level: Level = "community") -> TypeEnv:
    """``(field_type, param_type)`` for type-checking the pack's expressions at ``level``."""
    catalogue = fact_catalogue(level)
    derived = {
        path: f.fact_type()
        for path, f in pack.facts.items()
        if f.level == level and f.type != "events"  # events: read by window counts only
    }
    if level == "community":
        derived.update({d.path: FactType(d.type) for d in pack.derived})
    else:
        derived.update({a.path: FactType("number") for a in pack.aggregates})

    phases = (*(p.id for p in pack.phases), "before", "ended")
    derived["as_of.phase"] = FactType("text", choices=phases)

    def field_type(path: str) -> tuple[ex.ValueType, tuple[str, ...]] | None:
        ft = derived.get(path) or catalogue.get(path) or CONTEXT_FACTS.get(path)
        if ft is None:
            return None
        kind = "number" if ft.is_numeric else ft.kind
        return kind, ft.choices  # type: ignore[return-value]

    def param_type(name: str) -> ex.ValueType | None:
        param = pack.parameters.get(name)
        if param is None:
            return None
        samples = [param.value] if param.value is not None else [v.value for v in param.values]
        for v in samples:
            if isinstance(v, bool):
                return "bool"
            if isinstance(v, int | float):
                return "number"
            if isinstance(v, str):
                return "text"
        return "number" if param.source else None

    return field_type, param_type


def compile_expr(text: str | None, where: str, env: TypeEnv, *, condition: bool) -> ex.Expr | None:
    """Parse and type-check one expression (a condition is also normalised, to check it)."""
    if text is None:
        return None
    try:
        expr = ex.parse(text)
        ex.check_types(expr, *env, condition=condition)
        if condition:
            check_engine_limits(ex.normalise(expr))
    except ex.ExpressionError as exc:
        raise PackError(f"{where}: {exc}") from None
    return expr


def check_engine_limits(normal: ex.Normal) -> None:
    """A condition the rules engine can hold: at most ``CHUNK`` alternative branches and
    ``MAX_VALUES`` values read (see :mod:`policyengine.backends.durable`), refused with the
    rule's name rather than an internal condition id."""
    from policyengine.backends.durable import CHUNK, MAX_VALUES, value_keys

    found = ex.branches(normal)
    if found > CHUNK:
        raise ex.ExpressionError(
            f"the condition has {found:,} alternative branches (ways to hold); the rules "
            f"engine takes at most {CHUNK} in one condition: split it into several rules"
        )
    reads = len(value_keys(normal))
    if reads > MAX_VALUES:
        raise ex.ExpressionError(
            f"the condition reads {reads} values; the rules engine compares at most "
            f"{MAX_VALUES} in one condition: split it into several rules"
        )


def sources_of(expr: ex.Expr | None) -> tuple[ValueSource, ...]:
    """The values an expression compares, each once, in order."""
    if expr is None:
        return ()
    found: dict[str, ValueSource] = {}
    for node in ex.walk(expr):
        if isinstance(node, ex.Field | ex.Param | ex.Count | ex.Contains):
            key = ex.key_of(node)
            if key not in found:
                found[key] = source_of(node)
    return tuple(found.values())


def clauses_of(pack: Pack, names: Sequence[str]) -> Mapping[str, str | None]:
    """Each parameter's clause (its own, else its first dated value's); shared: do not modify."""
    out: dict[str, str | None] = {}
    for name in names:
        param = pack.parameters.get(name)
        if param is not None:
            out[name] = param.clause or next((v.clause for v in param.values if v.clause), None)
    return out


def unique(*groups: Any) -> tuple[str, ...]:
    """Names from several sequences, each once, in order."""
    out: dict[str, None] = {}
    for group in groups:
        out.update(dict.fromkeys(group))
    return tuple(out)


class Finisher(Protocol):
    """An item that gives outputs from the final findings (tallies, fact lists, …).

    A rule kind whose items only add outputs implements this and registers its items in
    ``Build.finishers``: the engine needs no change for it.
    """

    def outputs(self, findings: Sequence[Decided], facts: Mapping[str, Any]) -> dict[str, Any]:
        """Outputs for one subject, from its findings (pack order) and facts."""
        ...


@attrs.define
class Build:
    """A plan being compiled: each rule kind's compiler adds its items and conditions."""

    pack: Pack
    level: Level
    env: TypeEnv
    file: Path
    conditions: list[tuple[CondId, ex.Normal]] = attrs.Factory(list)
    paths: dict[str, None] = attrs.Factory(dict)
    """Facts read, in order (the subject's facts to flatten, derived ones included)."""
    items: dict[str, tuple[Any, ...]] = attrs.Factory(dict)
    """Each kind's items, under the kind's name."""
    finishers: list[Finisher] = attrs.Factory(list)
    """Items giving outputs from the final findings, in registration order."""

    @property
    def community(self) -> bool:
        """Whether this is the community level of the pack."""
        return self.level == "community"

    def condition(self, cid: CondId, expr: ex.Expr | None) -> int | None:
        """Register a condition for the backend; its position (None for no condition)."""
        if expr is None:
            return None
        self.conditions.append((cid, ex.normalise(expr)))
        return len(self.conditions) - 1

    def read(self, paths: Any) -> None:
        """Record facts the plan reads."""
        self.paths.update(dict.fromkeys(paths))
