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

One module per step: :mod:`.nodes` (the parsed form), :mod:`.parsing`, :mod:`.typecheck`
(against the facts vocabulary), :mod:`.evaluation` (in plain Python, for derived facts and
for checking the engine), :mod:`.rendering` (for people) and :mod:`.normal` (comparisons
with a single fact on the left, as the Rete engine needs). Import them from here.
"""

from __future__ import annotations

from policyengine.expressions.evaluation import arith, compare_values, compiled, evaluate
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
    fields_of,
    params_of,
    walk,
)
from policyengine.expressions.normal import (
    TOLERANCE,
    Atom,
    NAnd,
    NOr,
    Normal,
    branches,
    fold,
    key_of,
    negate,
    normal_keys,
    normalise,
)
from policyengine.expressions.parsing import parse
from policyengine.expressions.rendering import render
from policyengine.expressions.typecheck import ValueType, check_types

__all__ = [
    "TOLERANCE",
    "And",
    "Arith",
    "Atom",
    "Compare",
    "Const",
    "Contains",
    "Count",
    "Expr",
    "ExpressionError",
    "Field",
    "NAnd",
    "NOr",
    "Normal",
    "Not",
    "Or",
    "Param",
    "Scalar",
    "ValueType",
    "arith",
    "branches",
    "check_types",
    "compare_values",
    "compiled",
    "evaluate",
    "fields_of",
    "fold",
    "key_of",
    "negate",
    "normal_keys",
    "normalise",
    "params_of",
    "parse",
    "render",
    "walk",
]
