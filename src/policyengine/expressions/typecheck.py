"""Type-checking a condition against the facts vocabulary and the pack's parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeAlias

from policyengine.expressions.nodes import (
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
from policyengine.expressions.rendering import render

# --------------------------------------------------------------------------- typing

ValueType: TypeAlias = Literal["bool", "number", "text", "list", "date_list"]


def check_types(
    expr: Expr,
    field_type: Callable[[str], tuple[ValueType, tuple[str, ...]] | None],
    param_type: Callable[[str], ValueType | None],
    *,
    condition: bool = True,
) -> ValueType:
    """Type-check ``expr``; raise :class:`ExpressionError` on an unknown name or a mismatch.

    ``field_type(path)`` gives a fact's type and its allowed text values (or None if the
    path is not a known fact); ``param_type(name)`` a parameter's type.
    """
    whole = render(expr)

    def fact(path: str) -> tuple[ValueType, tuple[str, ...]]:
        found = field_type(path)
        if found is None:
            raise ExpressionError(f"{path!r} is not a known fact in {whole!r}")
        return found

    def t(e: Expr) -> ValueType:
        if isinstance(e, Const):
            v = e.value
            return "bool" if isinstance(v, bool) else "text" if isinstance(v, str) else "number"
        if isinstance(e, Field):
            return fact(e.path)[0]
        if isinstance(e, Param):
            found = param_type(e.name)
            if found is None:
                raise ExpressionError(
                    f"params.{e.name} is not a parameter of the pack in {whole!r}"
                )
            return found
        if isinstance(e, Count):
            if fact(e.path)[0] not in ("list", "date_list"):
                raise ExpressionError(f"count() needs a list fact, not {e.path!r} in {whole!r}")
            return "number"
        if isinstance(e, Contains):
            kind, choices = fact(e.path)
            if kind != "list":
                raise ExpressionError(f"{e.path!r} is not a list of text in {whole!r}")
            if choices and e.value not in choices:
                raise ExpressionError(
                    f"{e.value!r} is not a value of {e.path} ({', '.join(choices)}) in {whole!r}"
                )
            return "bool"
        if isinstance(e, Arith):
            if t(e.left) != "number" or t(e.right) != "number":
                raise ExpressionError(f"arithmetic needs numbers in {whole!r}")
            return "number"
        if isinstance(e, Compare):
            a, b = t(e.left), t(e.right)
            if a != b:
                raise ExpressionError(f"cannot compare {a} with {b} in {whole!r}")
            if a in ("list", "date_list"):
                raise ExpressionError(f"compare lists with contains or count() in {whole!r}")
            if a in ("bool", "text") and e.op not in ("==", "!="):
                raise ExpressionError(f"{a} values only compare with == or != in {whole!r}")
            for side, other in ((e.left, e.right), (e.right, e.left)):
                if isinstance(side, Field) and isinstance(other, Const) and a == "text":
                    choices = fact(side.path)[1]
                    if choices and other.value not in choices:
                        raise ExpressionError(
                            f"{other.value!r} is not a value of {side.path} "
                            f"({', '.join(choices)}) in {whole!r}"
                        )
            return "bool"
        if isinstance(e, Not):
            if t(e.item) != "bool":
                raise ExpressionError(f"not needs a condition in {whole!r}")
            return "bool"
        for item in e.items:
            if t(item) != "bool":
                raise ExpressionError(f"and/or need conditions in {whole!r}")
        return "bool"

    result = t(expr)
    if condition and result != "bool":
        raise ExpressionError(f"{whole!r} is a {result} value, not a condition")
    return result
