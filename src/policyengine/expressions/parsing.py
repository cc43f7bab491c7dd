"""Parsing a condition's text into nodes (the grammar is in :mod:`policyengine.expressions`)."""

from __future__ import annotations

import math
import re

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
    Scalar,
)
from policyengine.limits import MAX_CONDITION_DEPTH, MAX_CONDITION_TEXT, MAX_EXACT_INT

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
        self.depth = 0

    def deeper(self) -> None:
        """One more level of nesting (parentheses, ``not``, unary minus), within the limit."""
        self.depth += 1
        if self.depth > MAX_CONDITION_DEPTH:
            raise ExpressionError(
                f"the expression nests more than {MAX_CONDITION_DEPTH} levels deep: "
                f"{_short(self.text)}"
            )

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
            self.deeper()
            inner = self.not_()
            self.depth -= 1
            return Not(inner)
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
            self.deeper()
            inner = self.unary()
            self.depth -= 1
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
            self.deeper()
            inner = self.or_()
            self.take(")")
            self.depth -= 1
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
    """A numeric literal the engine compares exactly: an integer up to 2^53, a finite float."""
    if any(c in text for c in ".eE"):
        value = float(text)
        if not math.isfinite(value):
            raise ExpressionError(f"the number {_short(text)} is too large")
        return value
    if len(text) > 16 or int(text) > MAX_EXACT_INT:
        raise ExpressionError(
            f"the number {_short(text)} is beyond 2^53 (9,007,199,254,740,992), "
            "the largest integer compared exactly"
        )
    return int(text)


def _short(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:77] + "…")


def _depth(expr: Expr) -> int:
    """How deep the expression tree is (without recursion: it may be deep)."""
    deepest = 0
    stack: list[tuple[Expr, int]] = [(expr, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(node, Arith | Compare):
            stack += [(node.left, depth + 1), (node.right, depth + 1)]
        elif isinstance(node, Not):
            stack.append((node.item, depth + 1))
        elif isinstance(node, And | Or):
            stack += [(item, depth + 1) for item in node.items]
    return deepest


def _text(value: Scalar, source: str) -> str:
    if not isinstance(value, str):
        raise ExpressionError(f"contains takes text values in {source!r}")
    return value


def _list_path(left: Expr, op: str, source: str) -> str:
    if not isinstance(left, Field):
        raise ExpressionError(f"{op} needs a list fact on its left in {source!r}")
    return left.path


_PARSED: dict[str, Expr] = {}
"""Parsed expressions by text: nodes are frozen and parsing is pure, so one parse serves
every caller (sentences and gaps parse a pack's conditions for each result)."""


def parse(text: str) -> Expr:
    """Parse a condition or a value expression (once per text; a bounded cache)."""
    found = _PARSED.get(text) if isinstance(text, str) else None
    if found is None:
        found = _parse(text)
        if len(_PARSED) >= 4096:
            _PARSED.clear()
        _PARSED[text] = found
    return found


def _parse(text: str) -> Expr:
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("an expression must be non-empty text")
    if len(text) > MAX_CONDITION_TEXT:
        raise ExpressionError(
            f"the expression is {len(text):,} characters long; the limit is "
            f"{MAX_CONDITION_TEXT:,}: {_short(text)}"
        )
    expr = _Parser(text).parse()
    if _depth(expr) > MAX_CONDITION_DEPTH:
        raise ExpressionError(
            f"the expression nests more than {MAX_CONDITION_DEPTH} levels deep (a long chain "
            f"of + - * / counts one level per term): {_short(text)}"
        )
    return expr
