"""The nodes of a parsed condition (frozen data), and the facts and parameters it reads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, TypeAlias

import attrs


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

# ---------------------------------------------------------------------------- reading


def walk(expr: Expr) -> Iterator[Expr]:
    """Every node of the expression, the expression first, depth first."""
    yield expr
    if isinstance(expr, Arith | Compare):
        yield from walk(expr.left)
        yield from walk(expr.right)
    elif isinstance(expr, And | Or):
        for item in expr.items:
            yield from walk(item)
    elif isinstance(expr, Not):
        yield from walk(expr.item)


def fields_of(expr: Expr) -> tuple[str, ...]:
    """Every fact path the expression reads, in order of appearance, without repeats."""
    seen: dict[str, None] = {}
    for node in walk(expr):
        if isinstance(node, Field | Count | Contains):
            seen.setdefault(node.path)
    return tuple(seen)


def params_of(expr: Expr) -> tuple[str, ...]:
    """Every parameter name the expression reads."""
    seen: dict[str, None] = {}
    for node in walk(expr):
        if isinstance(node, Param):
            seen.setdefault(node.name)
    return tuple(seen)
