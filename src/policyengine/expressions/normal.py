"""Normal form: comparisons with a single value source on the left, as the Rete engine needs."""

from __future__ import annotations

from typing import Literal, TypeAlias

import attrs

from policyengine.expressions.evaluation import exact
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
    Or,
    Param,
    walk,
)
from policyengine.expressions.rendering import render

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
# ------------------------------------------------------------------------- normalising


@attrs.frozen
class Atom:
    """One comparison with a single value source on the left: ``key op rhs``.

    ``key`` names a Field, Param, Count or Contains node (as :func:`key_of` spells it);
    ``rhs`` is arithmetic over constants and such keys, never divided by a key.
    """

    key: str
    op: Literal["<", "<=", "==", "!=", ">=", ">"]
    rhs: Expr


def key_of(node: Field | Param | Count | Contains) -> str:
    """The name a value source gets in a compiled condition."""
    if isinstance(node, Field):
        return node.path
    if isinstance(node, Param):
        return f"params.{node.name}"
    if isinstance(node, Count):
        return f"count({node.path})"
    return f'{node.path} contains "{node.value}"'


Normal: TypeAlias = "Atom | NAnd | NOr"


@attrs.frozen
class NAnd:
    """All normalised items hold."""

    items: tuple[Normal, ...]


@attrs.frozen
class NOr:
    """At least one normalised item holds."""

    items: tuple[Normal, ...]


def negate(expr: Expr) -> Expr:
    """Push a negation down to the comparisons (De Morgan; ``<`` becomes ``>=``).

    Sound because every value a rule reads is known before the rule is evaluated.
    """
    if isinstance(expr, Not):
        return expr.item
    if isinstance(expr, And):
        return Or(tuple(negate(i) for i in expr.items))
    if isinstance(expr, Or):
        return And(tuple(negate(i) for i in expr.items))
    if isinstance(expr, Compare):
        return Compare(_NEGATE[expr.op], expr.left, expr.right)  # type: ignore[arg-type]
    if isinstance(expr, Contains):
        return Compare("==", expr, Const(False))
    if isinstance(expr, Field):
        return Compare("==", expr, Const(False))
    raise ExpressionError(f"cannot negate {render(expr)!r}")


def _source(e: Expr) -> bool:
    return isinstance(e, Field | Param | Count | Contains)


def _check_rhs(e: Expr, whole: str) -> None:
    for node in walk(e):
        if isinstance(node, Arith) and node.op == "/":
            if not isinstance(node.right, Const):
                raise ExpressionError(
                    f"division by a fact or parameter is not allowed in {whole!r}: "
                    "multiply the other side instead (a / b >= k  →  a >= b * k)"
                )
            if node.right.value == 0:
                raise ExpressionError(f"division by zero in {whole!r}")
        if isinstance(node, Compare | And | Or | Not):
            raise ExpressionError(f"a condition cannot be used as a value in {whole!r}")


def fold(e: Expr) -> Expr:
    """Arithmetic over constants only, computed now (the engine never matches it)."""
    if isinstance(e, Arith):
        left, right = fold(e.left), fold(e.right)
        if isinstance(left, Const) and isinstance(right, Const):
            a, b = left.value, right.value
            if (
                isinstance(a, int | float)
                and isinstance(b, int | float)
                and not isinstance(a, bool)
                and not isinstance(b, bool)
                and not (e.op == "/" and b == 0)
            ):
                return Const(exact(e.op, a, b))
        return Arith(e.op, left, right)
    return e


TOLERANCE = 1e-9
"""Rounding error forgiven where arithmetic over facts moved to the right-hand side.

``a + b >= 650`` runs as ``a >= 650 - b``, and ``650 - 215.16`` is ``434.84000000000003``;
plain Python rounds arithmetic to 9 decimals (:func:`arith`), and the engine compares
against the right-hand side widened by this much, so both agree at the boundary.
"""


def _tolerant(op: str, rhs: Expr) -> Expr:
    if not isinstance(rhs, Arith) or op in ("==", "!="):
        return rhs
    widen = op in (">=", "<")  # a >= r  ->  a >= r - t;  a < r  ->  a < r - t
    return Arith("-" if widen else "+", rhs, Const(TOLERANCE))


def _isolate(op: str, left: Expr, right: Expr, whole: str) -> Atom:
    """Rewrite ``left op right`` until a single value source stands on the left."""
    if _source(left):
        _check_rhs(right, whole)
        return Atom(key_of(left), op, _tolerant(op, fold(right)))  # type: ignore[arg-type]
    if _source(right):
        return _isolate(_FLIP[op], right, left, whole)
    if isinstance(left, Arith):
        a, b = left.left, left.right
        if left.op == "+":
            if _has_source(a):
                return _isolate(op, a, Arith("-", right, b), whole)
            return _isolate(op, b, Arith("-", right, a), whole)
        if left.op == "-":
            if _has_source(a):
                return _isolate(op, a, Arith("+", right, b), whole)
            # k - b op r  ->  b flip(op) k - r
            return _isolate(_FLIP[op], b, Arith("-", a, right), whole)
        if left.op in ("*", "/"):
            inner, factor = (a, b) if left.op == "/" or isinstance(b, Const) else (b, a)
            if isinstance(factor, Const) and isinstance(factor.value, int | float) and factor.value:
                k = float(factor.value)
                new_op = op if k > 0 else _FLIP[op]
                moved = Arith("*" if left.op == "/" else "/", right, Const(k))
                return _isolate(new_op, inner, moved, whole)
    if isinstance(right, Arith) and _has_source(right) and not _has_source(left):
        return _isolate(_FLIP[op], right, left, whole)
    raise ExpressionError(
        f"cannot compile {whole!r}: put a single fact on one side of the comparison, "
        "or multiply/divide it only by constants"
    )


def _has_source(e: Expr) -> bool:
    return any(_source(n) for n in walk(e))


def normalise(expr: Expr) -> Normal:
    """Normal form for the engine: and/or of :class:`Atom`, no ``not``, sources on the left."""
    whole = render(expr)

    def norm(e: Expr) -> Normal:
        if isinstance(e, Not):
            return norm(negate(e.item))
        if isinstance(e, And):
            return NAnd(tuple(norm(i) for i in e.items))
        if isinstance(e, Or):
            return NOr(tuple(norm(i) for i in e.items))
        if isinstance(e, Compare):
            return _isolate(e.op, e.left, e.right, whole)
        if isinstance(e, Field | Contains):
            return Atom(key_of(e), "==", Const(True))
        raise ExpressionError(f"{whole!r} is a value, not a condition")

    return norm(expr)


def branches(n: Normal) -> int:
    """How many ways the condition can match (its size in disjunctive normal form)."""
    if isinstance(n, Atom):
        return 1
    if isinstance(n, NOr):
        return sum(branches(i) for i in n.items)
    total = 1
    for i in n.items:
        total *= branches(i)
    return total


def normal_keys(n: Normal) -> frozenset[str]:
    """Every key of the row the condition reads: its atoms' keys and their right-hand
    sides' sources (as :func:`key_of` spells them)."""
    if isinstance(n, Atom):
        found = {n.key}
        for node in walk(n.rhs):
            if isinstance(node, Field | Param | Count | Contains):
                found.add(key_of(node))
        return frozenset(found)
    return frozenset().union(*(normal_keys(i) for i in n.items))
