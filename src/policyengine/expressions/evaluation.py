"""Evaluating a condition in plain Python: the reference the rules engine is checked against."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
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
    try:
        result = float(value)
    except OverflowError:  # beyond the largest float
        result = math.inf
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


Evaluator = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]
"""A compiled expression: ``(facts, params) -> value``, as :func:`interpret` computes it."""

_COMPILED: dict[int, tuple[Expr, Evaluator]] = {}


def evaluate(expr: Expr, facts: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
    """Evaluate in plain Python; ``None`` if any fact or parameter it needs is missing.

    The expression is compiled once into nested closures (:func:`compiled`), which compute
    exactly what the reference interpreter :func:`interpret` computes, without walking and
    dispatching on the tree at each call: packs evaluate the same few expressions (derived
    facts, outputs, a scale's input, the gaps' trials) for every community.
    """
    hit = _COMPILED.get(id(expr))
    if hit is None or hit[0] is not expr:
        return compiled(expr)(facts, params)
    return hit[1](facts, params)


def compiled(expr: Expr) -> Evaluator:
    """The expression as a function of facts and parameters (kept per expression object)."""
    hit = _COMPILED.get(id(expr))
    if hit is not None and hit[0] is expr:
        return hit[1]
    if len(_COMPILED) >= 8192:
        _COMPILED.clear()
    fn = _compile(expr)
    _COMPILED[id(expr)] = (expr, fn)
    return fn


def _compile(expr: Expr) -> Evaluator:
    if isinstance(expr, Const):
        value = expr.value
        return lambda facts, params: value
    if isinstance(expr, Field):
        path = expr.path
        return lambda facts, params: facts.get(path)
    if isinstance(expr, Param):
        name = expr.name
        return lambda facts, params: params.get(name)
    if isinstance(expr, Count):
        path = expr.path

        def count(facts: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
            items = facts.get(path)
            return None if items is None else len(items)

        return count
    if isinstance(expr, Contains):
        path, member = expr.path, expr.value

        def contains(facts: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
            items = facts.get(path)
            return None if items is None else member in items

        return contains
    if isinstance(expr, Arith):
        return _compile_arith(expr)
    if isinstance(expr, Compare):
        return _binary(compare_values, expr.op, compiled(expr.left), compiled(expr.right))
    if isinstance(expr, Not):
        item = compiled(expr.item)

        def negate(facts: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
            v = item(facts, params)
            return None if v is None else not v

        return negate
    items = tuple(compiled(i) for i in expr.items)
    every = isinstance(expr, And)

    def junction(facts: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
        values = [i(facts, params) for i in items]  # every item, as interpret does
        if any(v is None for v in values):
            return None
        return all(values) if every else any(values)

    return junction


def _compile_arith(expr: Arith) -> Evaluator:
    try:
        folded = constant_value(expr)  # constants only: exactly, as the compiler folds them
    except Exception as exc:  # raised when evaluated, in the order interpret meets it
        error = exc

        def refuse(facts: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
            raise type(error)(*error.args)

        return refuse
    if folded is not NotImplemented:
        return lambda facts, params: folded
    return _binary(arith, expr.op, compiled(expr.left), compiled(expr.right))


def _binary(
    combine: Callable[[str, Any, Any], Any], op: str, left: Evaluator, right: Evaluator
) -> Evaluator:
    """``left op right``: unknown if either side is (a comparison or arithmetic)."""

    def binary(facts: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
        a, b = left(facts, params), right(facts, params)
        if a is None or b is None:
            return None
        return combine(op, a, b)

    return binary


def interpret(expr: Expr, facts: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
    """The reference interpreter: what :func:`evaluate` computes, walking the tree."""
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
        a, b = interpret(expr.left, facts, params), interpret(expr.right, facts, params)
        if a is None or b is None:
            return None
        return arith(expr.op, a, b)
    if isinstance(expr, Compare):
        a, b = interpret(expr.left, facts, params), interpret(expr.right, facts, params)
        if a is None or b is None:
            return None
        return compare_values(expr.op, a, b)
    if isinstance(expr, Not):
        v = interpret(expr.item, facts, params)
        return None if v is None else not v
    values = [interpret(item, facts, params) for item in expr.items]
    if any(v is None for v in values):
        return None
    return all(values) if isinstance(expr, And) else any(values)
