"""The ``python`` backend: a plain evaluator of normal-form conditions, the reference.

It answers exactly what the protocol of :mod:`policyengine.backends` specifies, one row at
a time, with no engine: a condition is a tree of :class:`~policyengine.expressions.Atom`
comparisons under ``NAnd``/``NOr``, and each atom compares one value with a right-hand
side computed in doubles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from policyengine.expressions import (
    Arith,
    Atom,
    Const,
    Contains,
    Count,
    Expr,
    Field,
    NAnd,
    Normal,
    Param,
    compare_values,
    key_of,
)

__all__ = ["PythonBackend", "holds"]

_MISSING = object()


def _scalar(value: Any) -> Any:
    """A value as compared: numbers as doubles, bool and text as they are; else missing."""
    if value is None:
        return _MISSING
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return float(value)
    return _MISSING


def _rhs(expr: Expr, values: Mapping[str, Any]) -> Any:
    if isinstance(expr, Const):
        return _scalar(expr.value)
    if isinstance(expr, Arith):
        a, b = _rhs(expr.left, values), _rhs(expr.right, values)
        if type(a) is not float or type(b) is not float:
            return _MISSING
        if expr.op == "+":
            return a + b
        if expr.op == "-":
            return a - b
        if expr.op == "*":
            return a * b
        return a / b if b else _MISSING
    if isinstance(expr, Field | Param | Count | Contains):
        return _scalar(values.get(key_of(expr)))
    return _MISSING


def _compare(op: str, a: Any, b: Any) -> bool:
    if a is _MISSING or b is _MISSING:
        return False
    if isinstance(a, bool) or isinstance(b, bool):
        if type(a) is not type(b):
            return False
    elif type(a) is not type(b):
        return False
    return compare_values(op, a, b)


def holds(condition: Normal, values: Mapping[str, Any]) -> bool:
    """Whether one normal-form condition holds for one row of values."""
    if isinstance(condition, Atom):
        return _compare(
            condition.op, _scalar(values.get(condition.key)), _rhs(condition.rhs, values)
        )
    if isinstance(condition, NAnd):
        return all(holds(item, values) for item in condition.items)
    return any(holds(item, values) for item in condition.items)


class _Matcher:
    def __init__(self, conditions: Sequence[Normal]) -> None:
        self.conditions = tuple(conditions)

    def matching(self, values: Mapping[str, Any]) -> frozenset[int]:
        return frozenset(i for i, c in enumerate(self.conditions) if holds(c, values))

    def matching_many(self, rows: Sequence[Mapping[str, Any]]) -> list[frozenset[int]]:
        return [self.matching(row) for row in rows]


class PythonBackend:
    """The :class:`~policyengine.backends.Backend` evaluating conditions in plain Python."""

    name = "python"

    def compile(self, conditions: Sequence[Normal]) -> _Matcher:
        """Keep the conditions; nothing to compile."""
        return _Matcher(conditions)
