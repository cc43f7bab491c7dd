"""Checks of conditions: a condition that can never hold over the facts' ranges."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from policyengine import expressions as ex
from policyengine.authoring.lint.base import (
    INF,
    Issue,
    Level,
    PackLint,
    number_text,
    register_check,
    warning,
)

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


@attrs.define
class _Domain:
    """The values a fact may still take in one branch of a condition."""

    numeric: bool
    integer: bool = False
    lo: float = -INF
    lo_open: bool = False
    hi: float = INF
    hi_open: bool = False
    allowed: set[Any] | None = None
    excluded: set[Any] = attrs.Factory(set)

    def restrict(self, op: str, value: Any) -> None:
        """Keep only the values for which ``fact op value`` holds."""
        if op == "!=":
            self.excluded.add(float(value) if self.numeric else value)
            return
        if not self.numeric:
            if op == "==":
                self.allowed = {value} if self.allowed is None else self.allowed & {value}
            return
        v = float(value)
        if op in (">", ">=", "=="):
            is_open = op == ">"
            if v > self.lo or (v == self.lo and is_open):
                self.lo, self.lo_open = v, is_open
        if op in ("<", "<=", "=="):
            is_open = op == "<"
            if v < self.hi or (v == self.hi and is_open):
                self.hi, self.hi_open = v, is_open

    def empty(self) -> bool:
        """Whether no value is left."""
        if not self.numeric:
            return self.allowed is not None and not (self.allowed - self.excluded)
        lo, hi = self.lo, self.hi
        if self.integer:
            if math.isfinite(lo):
                lo = lo + 1 if self.lo_open and lo.is_integer() else float(math.ceil(lo))
            if math.isfinite(hi):
                hi = hi - 1 if self.hi_open and hi.is_integer() else float(math.floor(hi))
            return lo > hi or (lo == hi and lo in self.excluded)
        if lo > hi:
            return True
        return lo == hi and (self.lo_open or self.hi_open or lo in self.excluded)


def _range_text(lo: float, hi: float) -> str:
    if math.isfinite(lo) and math.isfinite(hi):
        return f"between {number_text(lo)} and {number_text(hi)}"
    if math.isfinite(lo):
        return f"at least {number_text(lo)}"
    return f"at most {number_text(hi)}"


def _domain(lint: PackLint, key: str, level: Level, *, bounded: bool) -> _Domain | None:
    """The starting domain of an atom's key (its vocabulary range if ``bounded``)."""
    if key.startswith("count("):
        return _Domain(True, integer=True, lo=0.0 if bounded else -INF)
    if " contains " in key:
        return _Domain(False, allowed={True, False})
    info = lint.fact(key, level)
    if info is None:
        return None
    if info.kind in ("int", "number"):
        lo, hi = (-INF, INF)
        if bounded:
            lo, hi = lint.bounds(ex.Field(key), level)
        return _Domain(True, integer=info.kind == "int", lo=lo, hi=hi)
    if info.kind == "bool":
        return _Domain(False, allowed={True, False})
    if info.kind == "text":
        return _Domain(False, allowed=set(info.choices) if info.choices else None)
    return None


def _branches(normal: ex.Normal, limit: int = 256) -> list[list[ex.Atom]] | None:
    """The condition as alternatives of atoms (disjunctive normal form); None if too large."""
    if ex.branches(normal) > limit:
        return None
    if isinstance(normal, ex.Atom):
        return [[normal]]
    parts = [_branches(item, limit) or [] for item in normal.items]
    if isinstance(normal, ex.NOr):
        return [branch for part in parts for branch in part]
    out: list[list[ex.Atom]] = [[]]
    for part in parts:
        out = [a + b for a in out for b in part]
    return out


def _atom_text(atom: ex.Atom) -> str:
    if isinstance(atom.rhs, ex.Const) and atom.rhs.value is True and atom.op == "==":
        return atom.key
    op = {">=": "≥", "<=": "≤", "!=": "≠"}.get(atom.op, atom.op)
    return f"{atom.key} {op} {ex.render(atom.rhs)}"


def _branch_conflict(
    lint: PackLint, atoms: Sequence[ex.Atom], level: Level, params: Mapping[str, Any]
) -> str | None:
    """Why this conjunction of atoms can never hold (one fact cannot satisfy them all)."""
    by_key: dict[str, list[tuple[ex.Atom, str, Any]]] = {}
    for atom in atoms:
        key, op, rhs = atom.key, str(atom.op), atom.rhs
        if key.startswith("params."):
            left = params.get(key.removeprefix("params."))
            if isinstance(rhs, ex.Field | ex.Count):
                key, op = ex.key_of(rhs), _FLIP[op]
                value = left
            else:
                value = ex.evaluate(rhs, {}, params)
                if None not in (left, value) and not ex.compare_values(op, left, value):
                    return f"{_atom_text(atom)} is false ({key} = {number_text(left)})"
                continue
        else:
            value = ex.evaluate(rhs, {}, params)
        if value is None or isinstance(value, list | tuple | dict):
            continue
        by_key.setdefault(key, []).append((atom, op, value))
    for key, restrictions in by_key.items():
        texts = " and ".join(_atom_text(a) for a, _, _ in restrictions)
        free = _domain(lint, key, level, bounded=False)
        if free is None:
            continue
        for _, op, value in restrictions:
            free.restrict(op, value)
        if free.empty():
            return f"no value of {key} satisfies {texts}"
        ranged = _domain(lint, key, level, bounded=True)
        if ranged is None or not ranged.numeric:
            continue
        lo, hi = ranged.lo, ranged.hi
        for _, op, value in restrictions:
            ranged.restrict(op, value)
        if ranged.empty():
            return f"{texts}, but {key} is {_range_text(lo, hi)}"
    return None


@register_check("never-holds")
def check_never_holds(lint: PackLint) -> Iterator[Issue]:
    """No condition is a contradiction over one fact (``x >= 10 and x < 5``) or compares a
    fact with a value outside its range (``happiness.survey_score > 300``, a ratio ``> 1``)."""
    for item, text, level in lint.conditions():
        expr = lint.parse(text)
        if expr is None:
            continue
        try:
            branches = _branches(ex.normalise(expr))
        except ex.ExpressionError:
            continue
        if not branches:
            continue
        names = ex.params_of(expr)
        reasons: list[str] = []
        for _, params in lint.probes:
            if any(params.get(n) is None for n in names):
                continue
            found = [_branch_conflict(lint, b, level, params) for b in branches]
            if any(r is None for r in found):
                reasons = []
                break
            if not reasons:
                reasons = [r for r in found if r is not None]
        if not reasons:
            continue
        if len(reasons) == 1:
            why = reasons[0]
        else:
            why = f"none of its {len(reasons)} alternatives can: " + "; ".join(reasons[:3])
        yield warning(item, f"can never hold: {why}")
