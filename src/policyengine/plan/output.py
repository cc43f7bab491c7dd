"""``[outputs]``: values computed from facts and parameters."""

from __future__ import annotations

import attrs

from policyengine import expressions as ex
from policyengine.pack import Pack
from policyengine.plan.common import Build, compile_expr

__all__ = ["OutputItem", "build"]


@attrs.frozen
class OutputItem:
    """One ``name = "expression"`` output."""

    name: str
    expression: ex.Expr


def _types(pack: Pack) -> dict[str, tuple[ex.ValueType, tuple[str, ...]]]:
    """The types of the outputs that scales and deadlines give, as ``outputs.KEY``."""
    found: dict[str, tuple[ex.ValueType, tuple[str, ...]]] = {}
    for scale in pack.scales:
        values = [b.value for b in scale.bands] + ([] if scale.below is None else [scale.below])
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        labels = tuple(str(v) for v in values)
        found[f"outputs.{scale.output}"] = ("number", ()) if numeric else ("text", labels)
    for dl in pack.deadlines:
        if dl.output and dl.subject == "community":
            found[f"outputs.{dl.output}"] = ("text", ())
    return found


def build(b: Build) -> None:
    """Compile the outputs (communities only): each may read the scales' and deadlines'
    outputs and the outputs before it (``outputs.KEY``)."""
    items = []
    types = _types(b.pack)
    env = (lambda p: types.get(p) or b.env[0](p), b.env[1])
    for name, text in (b.pack.outputs if b.community else {}).items():
        expr = compile_expr(text, f"{b.file}: outputs.{name}", env, condition=False)
        assert expr is not None
        items.append(OutputItem(name, expr))
        types[f"outputs.{name}"] = (ex.check_types(expr, *env, condition=False), ())
        b.read(tuple(p for p in ex.fields_of(expr) if not p.startswith("outputs.")))
    b.items["outputs"] = tuple(items)
