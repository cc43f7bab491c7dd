"""``[outputs]``: values computed from facts, parameters and other outputs.

An output may read the outputs of scales and deadlines, the outputs before it, a table's
amount and row outputs (``outputs.reward_yuan``), and a tally's counts: over all its
groups (``outputs.areas.fail``), or of one group named like a fact
(``outputs.areas.organization.fail``). An output that reads a table or a tally (directly
or through another output) is *late*: it is computed after them, once every finding is
decided.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from policyengine import expressions as ex
from policyengine.pack import Pack
from policyengine.plan.common import Build, compile_expr
from policyengine.plan.tally import TallyPlan, compile_tally

__all__ = ["OutputItem", "build", "has_late_outputs", "late_values"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_Types = dict[str, tuple[ex.ValueType, tuple[str, ...]]]


@attrs.frozen
class OutputItem:
    """One ``name = "expression"`` output."""

    name: str
    expression: ex.Expr
    late: bool = False
    """It reads a table's or a tally's outputs: computed after them."""


def _types(pack: Pack) -> _Types:
    """The types of the outputs that scales and deadlines give, as ``outputs.KEY``."""
    found: _Types = {}
    for scale in pack.scales:
        values = [b.value for b in scale.bands] + ([] if scale.below is None else [scale.below])
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        labels = tuple(str(v) for v in values)
        found[f"outputs.{scale.output}"] = ("number", ()) if numeric else ("text", labels)
    for dl in pack.deadlines:
        if dl.output and dl.subject == "community":
            found[f"outputs.{dl.output}"] = ("text", ())
    return found


def _late_types(pack: Pack) -> _Types:
    """The outputs of tables and tallies an output may read: a table's amount (a number)
    and row outputs (text), each tally count ``outputs.TALLY.GROUP.OUTCOME`` (a number)."""
    found: _Types = {}
    for table in pack.tables:
        found[f"outputs.{table.output}"] = ("number", ())
        labels: dict[str, set[str]] = {}
        for row in table.rows:
            for key, value in row.outputs.items():
                labels.setdefault(key, set()).add(value)
        for key, values in labels.items():
            found[f"outputs.{key}"] = ("text", tuple(sorted(values)))
    for tally in pack.tallies:
        for outcome in tally.count:
            found[f"outputs.{tally.output}.{outcome}"] = ("number", ())
            for group in compile_tally(pack, tally).groups:
                if _NAME.fullmatch(group):
                    found[f"outputs.{tally.output}.{group}.{outcome}"] = ("number", ())
    return found


def build(b: Build) -> None:
    """Compile the outputs (communities only): each may read the scales', deadlines',
    tables' and tallies' outputs and the outputs before it (``outputs.KEY``)."""
    items = []
    types = _types(b.pack)
    late_types = _late_types(b.pack) if b.community else {}
    late_paths = set(late_types)
    types.update(late_types)
    env = (lambda p: types.get(p) or b.env[0](p), b.env[1])
    for name, text in (b.pack.outputs if b.community else {}).items():
        expr = compile_expr(text, f"{b.file}: outputs.{name}", env, condition=False)
        assert expr is not None
        late = any(p in late_paths for p in ex.fields_of(expr))
        items.append(OutputItem(name, expr, late))
        types[f"outputs.{name}"] = (ex.check_types(expr, *env, condition=False), ())
        if late:
            late_paths.add(f"outputs.{name}")
        b.read(tuple(p for p in ex.fields_of(expr) if not p.startswith("outputs.")))
    b.items["outputs"] = tuple(items)


def has_late_outputs(pack: Pack) -> bool:
    """Whether an output of the pack reads a table or a tally (see :class:`OutputItem`)."""
    late = set(_late_types(pack))
    for name, text in pack.outputs.items():
        try:
            paths = ex.fields_of(ex.parse(text))
        except ex.ExpressionError:
            continue
        if any(p in late for p in paths):
            late.add(f"outputs.{name}")
            return True
    return False


def _flat(prefix: str, value: Any) -> Iterable[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield from _flat(f"{prefix}.{k}", v)
    else:
        yield prefix, value


def late_values(
    items: Iterable[OutputItem],
    outputs: Mapping[str, Any],
    facts: Mapping[str, Any],
    params: Mapping[str, Any],
    applicable: bool | None,
    tallies: Iterable[TallyPlan],
) -> dict[str, Any]:
    """The late outputs, in order, once the tables and tallies have given theirs."""
    scope: dict[str, Any] = dict(facts)
    for key, value in outputs.items():
        scope.update(_flat(f"outputs.{key}", value))
    for tally in tallies:
        counts = outputs.get(tally.output) or {}
        for outcome in tally.tally.count:
            scope[f"outputs.{tally.output}.{outcome}"] = sum(
                group.get(outcome, 0) for group in counts.values()
            )
    found: dict[str, Any] = {}
    for item in items:
        if not item.late:
            continue
        found[item.name] = (
            ex.evaluate(item.expression, scope, params) if applicable is not False else None
        )
        scope[f"outputs.{item.name}"] = found[item.name]
    return found
