"""Evaluating a condition in plain Python: the reference the rules engine is checked against."""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from policyengine.expressions.nodes import (
    And,
    Arith,
    Compare,
    Const,
    Contains,
    Count,
    Expr,
    ExpressionError,
    Field,
    Not,
    Param,
)
from policyengine.limits import MAX_EXACT_INT

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


def exact(op: str, a: int | float, b: int | float) -> int | float:
    """``a op b`` computed exactly on the decimal values written, then rounded once.

    For arithmetic over constants (the compiler folds it, :func:`~.normal.fold`; the
    reference evaluator computes it the same way): ``0.1 + 0.2`` is 0.3 and ``1.1 / 1e18``
    is 1.1e-18, never 0 as rounding to 9 decimals would give. An integer result beyond 2^53
    is refused.
    """
    x, y = Fraction(repr(a)), Fraction(repr(b))
    value = x + y if op == "+" else x - y if op == "-" else x * y if op == "*" else x / y
    if isinstance(a, int) and isinstance(b, int) and value.denominator == 1:
        if abs(value) > MAX_EXACT_INT:
            raise ExpressionError(
                f"{a} {op} {b} is beyond 2^53, the largest integer compared exactly"
            )
        return int(value)
    result = float(value)
    if not math.isfinite(result):
        raise ExpressionError(f"{a} {op} {b} is too large a number")
    return result


def constant_value(e: Expr) -> Any:
    """The value of arithmetic over number constants only, computed as :func:`exact` does
    (None for a division by zero); ``NotImplemented`` if ``e`` reads a fact or a parameter."""
    if isinstance(e, Const):
        number = isinstance(e.value, int | float) and not isinstance(e.value, bool)
        return e.value if number else NotImplemented
    if not isinstance(e, Arith):
        return NotImplemented
    a, b = constant_value(e.left), constant_value(e.right)
    if a is NotImplemented or b is NotImplemented:
        return NotImplemented
    if a is None or b is None or (e.op == "/" and b == 0):
        return None
    return exact(e.op, a, b)


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
        folded = constant_value(expr)  # constants only: exactly, as the compiler folds them
        if folded is not NotImplemented:
            return folded
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
