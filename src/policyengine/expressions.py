"""The condition language of packs: parsed into data, never ``eval``-ed.

A condition is one line a policy expert can read::

    spaces.service_area_m2 >= params.min_service_area_m2
    staff.count * 400 >= community.households
    count(happiness.vetoes) == 0 and organization.party_org
    services.covered contains "employment"
    community.kind in ["urban", "affordable_housing"]

Grammar (lowest precedence first)::

    expr     := and ("or" and)*
    and      := not ("and" not)*
    not      := "not" not | compare
    compare  := sum (("<" | "<=" | "==" | "!=" | ">=" | ">" | "≤" | "≥" | "≠") sum)?
              | sum ("contains" | "contains_all" | "contains_any") literal
              | sum "not"? "in" "[" literal ("," literal)* "]"
    sum      := term (("+" | "-") term)*
    term     := unary (("*" | "/") unary)*
    unary    := "-" unary | atom
    atom     := NUMBER | STRING | "true" | "false" | PATH | "params." NAME
              | "count(" PATH ")" | "(" expr ")"

A ``PATH`` is a fact path (``spaces.service_area_m2``); ``params.NAME`` is a pack parameter.
A bare path of type bool is read as ``path == true``. ``count(list)`` is the list's length.

This module also type-checks conditions against the facts vocabulary, evaluates them in
plain Python (for derived facts and for checking the engine), renders them for people, and
normalises comparisons so that a single fact stands on the left, as the Rete engine needs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal, TypeAlias

import attrs

__all__ = [
    "And",
    "Arith",
    "Compare",
    "Const",
    "Contains",
    "Count",
    "Expr",
    "ExpressionError",
    "Field",
    "Not",
    "Or",
    "Param",
    "compare_values",
    "evaluate",
    "fields_of",
    "negate",
    "normalise",
    "params_of",
    "parse",
    "render",
]


class ExpressionError(ValueError):
    """A condition that cannot be parsed, type-checked or compiled."""


# ------------------------------------------------------------------------------ nodes

Scalar: TypeAlias = bool | int | float | str


@attrs.frozen
class Const:
    """A literal number, text or boolean."""

    value: Scalar


@attrs.frozen
class Field:
    """A fact read from the subject, by its path."""

    path: str


@attrs.frozen
class Param:
    """A pack parameter, resolved for the evaluation date."""

    name: str


@attrs.frozen
class Count:
    """The number of items in a list fact."""

    path: str


@attrs.frozen
class Arith:
    """``left op right`` with op one of ``+ - * /``."""

    op: Literal["+", "-", "*", "/"]
    left: Expr
    right: Expr


@attrs.frozen
class Compare:
    """``left op right`` with op one of ``< <= == != >= >``."""

    op: Literal["<", "<=", "==", "!=", ">=", ">"]
    left: Expr
    right: Expr


@attrs.frozen
class Contains:
    """``list contains value``: the list fact holds the value."""

    path: str
    value: str


@attrs.frozen
class And:
    """All items hold."""

    items: tuple[Expr, ...]


@attrs.frozen
class Or:
    """At least one item holds."""

    items: tuple[Expr, ...]


@attrs.frozen
class Not:
    """The item does not hold."""

    item: Expr


Expr: TypeAlias = Const | Field | Param | Count | Arith | Compare | Contains | And | Or | Not

# ---------------------------------------------------------------------------- parsing

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    | (?P<str>"[^"]*"|'[^']*'|“[^”]*”)
    | (?P<op><=|>=|==|!=|≤|≥|≠|<|>|\+|-|\*|/|\(|\)|\[|\]|,)
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    )""",
    re.VERBOSE,
)
_SYNONYMS = {"≤": "<=", "≥": ">=", "≠": "!="}
_KEYWORDS = {"and", "or", "not", "in", "contains", "contains_all", "contains_any", "true", "false"}


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExpressionError(f"cannot read {text[pos:].strip()[:20]!r} in {text!r}")
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "op":
            value = _SYNONYMS.get(value, value)
        elif kind == "name" and value in _KEYWORDS:
            kind = "kw"
        out.append((kind, value))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            found = "the end" if tok is None else repr(tok[1])
            want = f"{value!r}" if value else "more"
            raise ExpressionError(f"expected {want}, found {found} in {self.text!r}")
        self.i += 1
        return tok

    def at(self, *values: str) -> bool:
        tok = self.peek()
        return tok is not None and tok[1] in values

    def parse(self) -> Expr:
        expr = self.or_()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek()[1]!r} in {self.text!r}")  # type: ignore[index]
        return expr

    def or_(self) -> Expr:
        items = [self.and_()]
        while self.at("or"):
            self.take()
            items.append(self.and_())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_(self) -> Expr:
        items = [self.not_()]
        while self.at("and"):
            self.take()
            items.append(self.not_())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_(self) -> Expr:
        if self.at("not"):
            self.take()
            return Not(self.not_())
        return self.compare()

    def literal(self) -> Scalar:
        kind, value = self.take()
        if kind == "str":
            return value[1:-1]
        if kind == "num":
            return _number(value)
        if kind == "kw" and value in ("true", "false"):
            return value == "true"
        if kind == "op" and value == "-":
            num = self.take()
            if num[0] == "num":
                return -_number(num[1])
        raise ExpressionError(f"expected a literal value, found {value!r} in {self.text!r}")

    def literal_list(self) -> list[Scalar]:
        self.take("[")
        items = [self.literal()]
        while self.at(","):
            self.take()
            items.append(self.literal())
        self.take("]")
        return items

    def compare(self) -> Expr:
        left = self.sum()
        tok = self.peek()
        if tok is None:
            return left
        op = tok[1]
        if op in ("<", "<=", "==", "!=", ">=", ">"):
            self.take()
            return Compare(op, left, self.sum())  # type: ignore[arg-type]
        if op in ("contains", "contains_all", "contains_any"):
            self.take()
            path = _list_path(left, op, self.text)
            values = self.literal_list() if self.at("[") else [self.literal()]
            items = tuple(Contains(path, _text(v, self.text)) for v in values)
            if op == "contains" and len(items) > 1:
                raise ExpressionError(
                    f"use contains_all or contains_any with a list in {self.text!r}"
                )
            if len(items) == 1:
                return items[0]
            return And(items) if op == "contains_all" else Or(items)
        if op in ("in", "not"):
            negated = op == "not"
            if negated:
                self.take()
                if not self.at("in"):
                    raise ExpressionError(f"expected 'in' after 'not' in {self.text!r}")
            self.take("in")
            equals = tuple(Compare("==", left, Const(v)) for v in self.literal_list())
            expr: Expr = equals[0] if len(equals) == 1 else Or(equals)
            return Not(expr) if negated else expr
        return left

    def sum(self) -> Expr:
        left = self.term()
        while self.at("+", "-"):
            op = self.take()[1]
            left = Arith(op, left, self.term())  # type: ignore[arg-type]
        return left

    def term(self) -> Expr:
        left = self.unary()
        while self.at("*", "/"):
            op = self.take()[1]
            left = Arith(op, left, self.unary())  # type: ignore[arg-type]
        return left

    def unary(self) -> Expr:
        if self.at("-"):
            self.take()
            inner = self.unary()
            if isinstance(inner, Const) and isinstance(inner.value, int | float):
                return Const(-inner.value)
            return Arith("-", Const(0), inner)
        return self.atom()

    def atom(self) -> Expr:
        kind, value = self.take()
        if kind == "num":
            return Const(_number(value))
        if kind == "str":
            return Const(value[1:-1])
        if kind == "kw" and value in ("true", "false"):
            return Const(value == "true")
        if kind == "op" and value == "(":
            inner = self.or_()
            self.take(")")
            return inner
        if kind == "name":
            if value == "count" and self.at("("):
                self.take("(")
                path = self.take()
                if path[0] != "name":
                    raise ExpressionError(f"count() takes a fact path in {self.text!r}")
                self.take(")")
                return Count(path[1])
            if value.startswith("params."):
                return Param(value.removeprefix("params."))
            if "." not in value:
                raise ExpressionError(
                    f"{value!r} is not a fact path (section.field) or params.NAME in {self.text!r}"
                )
            return Field(value)
        raise ExpressionError(f"unexpected {value!r} in {self.text!r}")


def _number(text: str) -> int | float:
    return float(text) if any(c in text for c in ".eE") else int(text)


def _text(value: Scalar, source: str) -> str:
    if not isinstance(value, str):
        raise ExpressionError(f"contains takes text values in {source!r}")
    return value


def _list_path(left: Expr, op: str, source: str) -> str:
    if not isinstance(left, Field):
        raise ExpressionError(f"{op} needs a list fact on its left in {source!r}")
    return left.path


def parse(text: str) -> Expr:
    """Parse a condition or a value expression."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("an expression must be non-empty text")
    return _Parser(text).parse()


# ---------------------------------------------------------------------------- reading


def _walk(expr: Expr) -> Iterator[Expr]:
    yield expr
    if isinstance(expr, Arith | Compare):
        yield from _walk(expr.left)
        yield from _walk(expr.right)
    elif isinstance(expr, And | Or):
        for item in expr.items:
            yield from _walk(item)
    elif isinstance(expr, Not):
        yield from _walk(expr.item)


def fields_of(expr: Expr) -> tuple[str, ...]:
    """Every fact path the expression reads, in order of appearance, without repeats."""
    seen: dict[str, None] = {}
    for node in _walk(expr):
        if isinstance(node, Field | Count | Contains):
            seen.setdefault(node.path)
    return tuple(seen)


def params_of(expr: Expr) -> tuple[str, ...]:
    """Every parameter name the expression reads."""
    seen: dict[str, None] = {}
    for node in _walk(expr):
        if isinstance(node, Param):
            seen.setdefault(node.name)
    return tuple(seen)


# ------------------------------------------------------------------------- evaluating

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}


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


def _arith(op: str, a: Any, b: Any) -> Any:
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
        return _arith(expr.op, a, b)
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
    for node in _walk(e):
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
                and not (e.op == "/" and b == 0)
            ):
                return Const(_arith(e.op, a, b))
        return Arith(e.op, left, right)
    return e


TOLERANCE = 1e-9
"""Rounding error forgiven where arithmetic over facts moved to the right-hand side.

``a + b >= 650`` runs as ``a >= 650 - b``, and ``650 - 215.16`` is ``434.84000000000003``;
plain Python rounds arithmetic to 9 decimals (:func:`_arith`), and the engine compares
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
    return any(_source(n) for n in _walk(e))


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
