"""Expressions over columns: the row path's semantics, one array operation per node.

Two evaluators, matching the two the row path uses:

* :func:`value` is :func:`policyengine.expressions.evaluate` (derived facts, outputs): a
  value is unknown where any fact or parameter it reads is missing; arithmetic on numbers
  that are not whole is rounded to 9 decimals exactly as Python's ``round`` does; a
  division by zero is unknown.
* :func:`holds` is the rules engine's answer for a condition in normal form
  (:func:`policyengine.expressions.normalise`): the right-hand sides are computed in
  doubles without rounding, as durable-rules computes them, and compared with the same
  operators, bounds inclusive exactly as written. It is asked only where every value the
  condition reads is known: elsewhere the rule is ``unknown`` before any comparison, as in
  the row path.

Numbers are float64 (the engine compares doubles too), booleans bool, texts and lists
object arrays.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from itertools import repeat
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from policyengine import expressions as ex

__all__ = ["Vec", "holds", "scalar", "value"]

Array = npt.NDArray[Any]

_CMP: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    ">": operator.gt,
}


@attrs.define(eq=False)
class Vec:
    """A column of values and where they are known."""

    values: Array
    known: Array
    _groups: tuple[Array, list[Any]] | None = None
    _flat: tuple[Array, Array] | None = None
    _make_groups: Callable[[], tuple[Array, list[Any]]] | None = None

    def set_groups(self, codes: Array, distinct: list[Any]) -> None:
        """Give the distinct values and each row's code, when the reader knows them."""
        self._groups = (codes, distinct)
        self._flat = None

    def groups_by(self, make: Callable[[], tuple[Array, list[Any]]]) -> None:
        """Give a way to compute :meth:`groups`, used if they are asked for."""
        self._make_groups = make

    def set_flat(self, owner: Array, days: Array) -> None:
        """Give :meth:`flat`'s answer, when the reader has read the dates as numbers."""
        self._flat = (owner, days)

    def take(self, rows: Array) -> Vec:
        """The column of the given rows (distinct values kept)."""
        out = Vec(self.values[rows], self.known[rows])
        if self._groups is None and self._make_groups is not None:
            make = self._make_groups
            out.groups_by(lambda: _taken(make(), rows))
        if self._groups is not None:
            out.set_groups(self._groups[0][rows], self._groups[1])
            out._flat = self._flat
        return out

    def flat(self) -> tuple[Array, Array]:
        """The dates of a column of date lists, flat: ``(owner, days)``, each date's distinct
        list (its index in :meth:`groups`' values) and its proleptic ordinal. Readers call
        it once (a pass over the distinct lists); array kernels then read dates as numbers."""
        if self._flat is None:
            _, distinct = self.groups()
            lengths = np.fromiter(
                (0 if v is None else len(v) for v in distinct), dtype=np.int64, count=len(distinct)
            )
            days = np.fromiter(
                (d.toordinal() for v in distinct if v is not None for d in v),
                dtype=np.int64,
                count=int(lengths.sum()),
            )
            owner = np.repeat(np.arange(len(distinct), dtype=np.int64), lengths)
            self._flat = (owner, days)
        return self._flat

    def groups(self) -> tuple[Array, list[Any]]:
        """``(codes, distinct values)`` of an object column: ``values[i] == distinct[codes[i]]``
        where known (code -1 where not). Lists repeat a lot: each is looked at once."""
        if self._groups is None and self._make_groups is not None:
            self._groups = self._make_groups()
        if self._groups is None:
            index: dict[Any, int] = {}
            distinct: list[Any] = []
            codes = np.full(len(self.values), -1, dtype=np.int64)
            for i in np.flatnonzero(self.known).tolist():
                v = self.values[i]
                key = tuple(v) if isinstance(v, list) else v
                c = index.get(key)
                if c is None:
                    c = index[key] = len(distinct)
                    distinct.append(v)
                codes[i] = c
            self._groups = (codes, distinct)
        return self._groups


def _taken(groups: tuple[Array, list[Any]], rows: Array) -> tuple[Array, list[Any]]:
    """The groups of some rows: their codes, and the distinct values they hold, in the
    order they first appear (as :meth:`Vec.groups` would find them)."""
    codes, distinct = groups
    codes = codes[rows]
    used = np.zeros(len(distinct) + 1, dtype=bool)  # the last: code -1
    used[codes] = True
    first = np.full(len(distinct) + 1, len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes), dtype=np.int64))
    order = np.argsort(first[:-1], kind="stable")[: int(used[:-1].sum())]
    renumber = np.full(len(distinct) + 1, -1, dtype=np.int64)
    renumber[order] = np.arange(len(order), dtype=np.int64)
    return renumber[codes], [distinct[i] for i in order.tolist()]


def scalar(v: Any, n: int) -> Vec:
    """A constant (a parameter, a literal, a context fact) as a column of ``n`` rows."""
    if v is None:
        return Vec(np.zeros(n, dtype=np.float64), np.zeros(n, dtype=bool))
    if isinstance(v, bool):
        return Vec(np.full(n, v, dtype=bool), np.ones(n, dtype=bool))
    if isinstance(v, int | float):
        return Vec(np.full(n, float(v), dtype=np.float64), np.ones(n, dtype=bool))
    arr = np.empty(n, dtype=object)
    arr[:] = [v] * n
    return Vec(arr, np.ones(n, dtype=bool))


_py_round = np.frompyfunc(lambda x: round(x, 9), 1, 1)


def _round9(values: Array, floaty: bool) -> Array:
    """Python's ``round(x, 9)``, elementwise, exactly.

    ``rint(x * 1e9) / 1e9`` is exactly what Python computes (a correctly rounded quotient
    of the same whole number) wherever ``x * 1e9`` is computed with an error far below a
    half and is not near a tie: below 1e6 that error is at most 1/16, so only products
    whose fraction is within 0.1 of one half are left to Python's own ``round``.
    """
    if not floaty:
        return values
    with np.errstate(invalid="ignore", over="ignore"):
        z = values * 1e9
        frac = np.abs(z - np.floor(z) - 0.5)
        out = np.rint(z) / 1e9
        risky = ~np.isfinite(values) | (np.abs(values) >= 1e6) | (frac < 0.1)
    risky &= np.isfinite(values)
    if risky.any():
        out[risky] = _py_round(values[risky]).astype(np.float64)
    bad = ~np.isfinite(values)
    out[bad] = values[bad]
    return out


def value(
    expr: ex.Expr,
    facts: Mapping[str, Vec],
    params: Mapping[str, Any],
    n: int,
) -> Vec:
    """``expressions.evaluate`` over columns (unknown where the row path gives None)."""
    v, _ = _value(expr, facts, params, n)
    return v


def _value(
    expr: ex.Expr, facts: Mapping[str, Vec], params: Mapping[str, Any], n: int
) -> tuple[Vec, bool]:
    """The column and whether the row path's value may be a float (so it rounds)."""
    if isinstance(expr, ex.Const):
        return scalar(expr.value, n), isinstance(expr.value, float)
    if isinstance(expr, ex.Param):
        p = params.get(expr.name)
        return scalar(p, n), isinstance(p, float)
    if isinstance(expr, ex.Field):
        col = facts.get(expr.path)
        if col is None:
            return scalar(None, n), False
        return col, col.values.dtype == np.float64
    if isinstance(expr, ex.Count):
        col = facts.get(expr.path)
        if col is None:
            return scalar(None, n), False
        return Vec(_lengths(col), col.known), False
    if isinstance(expr, ex.Contains):
        col = facts.get(expr.path)
        if col is None:
            return scalar(None, n), False
        return Vec(_members(col, expr.value), col.known), False
    if isinstance(expr, ex.Arith):
        a, fa = _value(expr.left, facts, params, n)
        b, fb = _value(expr.right, facts, params, n)
        known = a.known & b.known
        x, y = a.values.astype(np.float64), b.values.astype(np.float64)
        with np.errstate(all="ignore"):
            if expr.op == "+":
                out = x + y
            elif expr.op == "-":
                out = x - y
            elif expr.op == "*":
                out = x * y
            else:
                zero = y == 0
                known = known & ~zero
                out = np.divide(x, np.where(zero, 1.0, y))
        floaty = fa or fb or expr.op == "/"
        return Vec(_round9(out, floaty), known), floaty
    if isinstance(expr, ex.Compare):
        a, _ = _value(expr.left, facts, params, n)
        b, _ = _value(expr.right, facts, params, n)
        known = a.known & b.known
        return Vec(_compare(expr.op, a.values, b.values, known), known), False
    if isinstance(expr, ex.Not):
        a, _ = _value(expr.item, facts, params, n)
        return Vec(~a.values.astype(bool), a.known), False
    items = [_value(i, facts, params, n)[0] for i in expr.items]
    known = np.logical_and.reduce([i.known for i in items])
    vals = [i.values.astype(bool) for i in items]
    combined = (
        np.logical_and.reduce(vals) if isinstance(expr, ex.And) else (np.logical_or.reduce(vals))
    )
    return Vec(combined, known), False


def _compare(op: str, a: Array, b: Array, known: Array) -> Array:
    if (a.dtype == object or b.dtype == object) and op in ("==", "!="):
        same = np.asarray(np.equal(a, b, dtype=bool), dtype=bool)  # Python's == per element
        return same if op == "==" else ~same
    if a.dtype == object or b.dtype == object:
        out = np.zeros(len(known), dtype=bool)
        idx = np.flatnonzero(known)
        f = _CMP[op]
        out[idx] = [bool(f(x, y)) for x, y in zip(a[idx], b[idx], strict=True)]
        return out
    with np.errstate(invalid="ignore"):
        return np.asarray(_CMP[op](a, b), dtype=bool)


def _per_group(col: Vec, f: Callable[[Any], Any], dtype: Any) -> Array:
    """``f`` of each value of an object column, computed once per distinct value."""
    codes, distinct = col.groups()
    table = np.array([0 if v is None else f(v) for v in distinct] + [0], dtype=dtype)  # -1: last
    return np.asarray(table[codes], dtype=dtype)


def _lengths(col: Vec) -> Array:
    return _per_group(col, len, np.float64)


def _members(col: Vec, item: str) -> Array:
    return _per_group(col, lambda v: item in v, bool)


# ------------------------------------------------------------------ the engine's conditions


def _operand(expr: ex.Expr, sources: Mapping[str, Vec], n: int) -> Array:
    """A right-hand side as durable-rules computes it: doubles, no rounding."""
    if isinstance(expr, ex.Const):
        return scalar(expr.value, n).values
    if isinstance(expr, ex.Arith):
        x = _operand(expr.left, sources, n).astype(np.float64)
        y = _operand(expr.right, sources, n).astype(np.float64)
        with np.errstate(all="ignore"):
            if expr.op == "+":
                return x + y
            if expr.op == "-":
                return x - y
            if expr.op == "*":
                return x * y
            return x / y
    return sources[ex.key_of(expr)].values  # type: ignore[arg-type]


def holds(cond: ex.Normal, sources: Mapping[str, Vec], n: int) -> Array:
    """Where a normalised condition holds (meaningful only where its values are known)."""
    if isinstance(cond, ex.Atom):
        lhs = sources[cond.key].values
        if isinstance(cond.rhs, ex.Const) and cond.op in ("==", "!="):
            const = cond.rhs.value
            if lhs.dtype == object and isinstance(const, str):
                same = np.fromiter(map(operator.eq, lhs, repeat(const)), dtype=bool, count=n)
                return same if cond.op == "==" else ~same
        rhs = _operand(cond.rhs, sources, n)
        if lhs.dtype == object or rhs.dtype == object:
            f = _CMP[cond.op]
            return np.fromiter(
                (bool(f(x, y)) for x, y in zip(lhs, rhs, strict=True)), dtype=bool, count=n
            )
        with np.errstate(invalid="ignore"):
            return np.asarray(_CMP[cond.op](lhs, rhs), dtype=bool)
    parts = [holds(i, sources, n) for i in cond.items]
    reduce = np.logical_and.reduce if isinstance(cond, ex.NAnd) else np.logical_or.reduce
    return np.asarray(reduce(parts), dtype=bool)
