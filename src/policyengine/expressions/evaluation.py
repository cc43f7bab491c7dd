"""Evaluating a condition in plain Python: the reference the rules engine is checked against."""

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
    Param,
)

# ------------------------------------------------------------------------- evaluating


def compare_values(op: str, a: Any, b: Any) -> bool:
    """``a op b`` in Python, the reference the engine is checked against."""
    if op == "==":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    return bool(a >= b)


def arith(op: str, a: Any, b: Any) -> Any:
    """``a op b``, rounded to 9 decimals so that 520.1 + 129.9 is 650, not 649.9999999999999.

    Values in the vocabulary (scores, yuan, m², ratios) carry far fewer decimals.
    """
    if op == "/" and b == 0:
        return None
    value = a + b if op == "+" else a - b if op == "-" else a * b if op == "*" else a / b
    return round(value, 9) if isinstance(value, float) else value


def evaluate(expr: Expr, facts: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
    """Evaluate in plain Python; ``None`` if any fact or parameter it needs is missing."""
    if isinstance(expr, Const):
        return expr.value
    if isinstance(expr, Field):
        return facts.get(expr.path)
    if isinstance(expr, Param):
        return params.get(expr.name)
    if isinstance(expr, Count):
        items = facts.get(expr.path)
        return None if items is None else len(items)
    if isinstance(expr, Contains):
        items = facts.get(expr.path)
        return None if items is None else expr.value in items
    if isinstance(expr, Arith):
        a, b = evaluate(expr.left, facts, params), evaluate(expr.right, facts, params)
        if a is None or b is None:
            return None
        return arith(expr.op, a, b)
    if isinstance(expr, Compare):
        a, b = evaluate(expr.left, facts, params), evaluate(expr.right, facts, params)
        if a is None or b is None:
            return None
        return compare_values(expr.op, a, b)
    if isinstance(expr, Not):
        v = evaluate(expr.item, facts, params)
        return None if v is None else not v
    values = [evaluate(item, facts, params) for item in expr.items]
    if any(v is None for v in values):
        return None
    return all(values) if isinstance(expr, And) else any(values)
