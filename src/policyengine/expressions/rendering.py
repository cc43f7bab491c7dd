"""Rendering a condition back into text for people, with parameter values filled in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policyengine.expressions.nodes import (
    And,
    Arith,
    Compare,
    Const,
    Contains,
    Count,
    Expr,
    Field,
    Not,
    Or,
    Param,
)

# --------------------------------------------------------------------------- rendering

_PRECEDENCE = {Or: 1, And: 2, Not: 3, Compare: 4, Contains: 4}


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)


def render(expr: Expr, params: Mapping[str, Any] | None = None) -> str:
    """The expression as text; with ``params``, parameters show their values."""

    def r(e: Expr, parent: int = 0) -> str:
        if isinstance(e, Const):
            return _fmt(e.value)
        if isinstance(e, Field):
            return e.path
        if isinstance(e, Param):
            if params is not None and e.name in params and params[e.name] is not None:
                return _fmt(params[e.name])
            return f"params.{e.name}"
        if isinstance(e, Count):
            return f"count({e.path})"
        if isinstance(e, Contains):
            text = f'{e.path} contains "{e.value}"'
        elif isinstance(e, Arith):
            left = r(e.left, 5 if e.op in "+-" else 6)
            right = r(e.right, 6 if e.op in "+-" else 7)
            text = f"{left} {e.op} {right}"
            mine = 5 if e.op in "+-" else 6
            return f"({text})" if parent > mine else text
        elif isinstance(e, Compare):
            if (
                isinstance(e.left, Field)
                and isinstance(e.right, Const)
                and e.right.value is True
                and e.op == "=="
            ):
                text = r(e.left, 5)
            else:
                text = (
                    f"{r(e.left, 5)} {e.op.replace('>=', '≥').replace('<=', '≤')} {r(e.right, 5)}"
                )
        elif isinstance(e, Not):
            text = f"not {r(e.item, 3)}"
        else:
            joiner = " and " if isinstance(e, And) else " or "
            mine = _PRECEDENCE[type(e)]
            text = joiner.join(r(i, mine + 1) for i in e.items)
        mine = _PRECEDENCE.get(type(e), 9)
        return f"({text})" if parent > mine else text

    return r(expr)
