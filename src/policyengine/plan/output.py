"""``[outputs]``: values computed from facts and parameters."""

from __future__ import annotations

import attrs

from policyengine import expressions as ex
from policyengine.plan.common import Build, compile_expr

__all__ = ["OutputItem", "build"]


@attrs.frozen
class OutputItem:
    """One ``name = "expression"`` output."""

    name: str
    expression: ex.Expr


def build(b: Build) -> None:
    """Compile the outputs (communities only)."""
    items = []
    for name, text in (b.pack.outputs if b.community else {}).items():
        expr = compile_expr(text, f"{b.file}: outputs.{name}", b.env, condition=False)
        assert expr is not None
        items.append(OutputItem(name, expr))
        b.read(ex.fields_of(expr))
    b.items["outputs"] = tuple(items)
