"""``[[derived]]``: facts the pack computes before its rules run."""

from __future__ import annotations

import attrs

from policyengine import expressions as ex
from policyengine.plan.common import Build, compile_expr

__all__ = ["DerivedItem", "build"]


@attrs.frozen
class DerivedItem:
    """One derived fact; without an expression, the pack's hook provides it."""

    path: str
    expression: ex.Expr | None


def build(b: Build) -> None:
    """Compile the derived facts (communities only)."""
    items = []
    for i, d in enumerate(b.pack.derived if b.community else ()):
        where = f"{b.file}: derived[{i}].expression"
        expr = compile_expr(d.expression, where, b.env, condition=False)
        items.append(DerivedItem(d.path, expr))
        if expr is not None:
            b.read(ex.fields_of(expr))
    b.items["derived"] = tuple(items)
