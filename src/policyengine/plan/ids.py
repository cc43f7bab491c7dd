"""Typed ids of a plan: which condition is which, and what each compared value reads.

A condition is known to the backends by its position in :attr:`Plan.conditions
<policyengine.plan.Plan.conditions>` (a :data:`CondRef`); :class:`CondId` says what it is
(the ``when`` of rule 3, band 2 of scale 0, …) for people and tools. A
:class:`ValueSource` is one value a condition compares: its key in the values a backend
receives, the fact it reads (None for a parameter) and the expression node it reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal, NewType

import attrs

from policyengine import expressions as ex

__all__ = ["CondId", "CondRef", "RowFunction", "ValueSource", "row_function", "source_of"]

CondRef = NewType("CondRef", int)
"""A condition's position in the plan's conditions: what backends answer with."""


@attrs.frozen
class CondId:
    """What a condition is: ``CondId("rule", 3, "when")``, ``CondId("scale", 0, "band", 2)``."""

    kind: Literal["rule", "scale", "deadline", "pack"]
    index: int
    """The item's index in its pack list (``rules[3]``)."""
    part: Literal["when", "require", "band", "evidence", "applies"]
    band: int = -1

    def __str__(self) -> str:
        band = f"[{self.band}]" if self.part == "band" else ""
        return f"{self.kind}s[{self.index}].{self.part}{band}"


RowFunction = Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]
"""``row(facts, params) -> {key: value}``: every source's value, in the sources' order."""


@attrs.frozen
class ValueSource:
    """One value compared by conditions: a fact, a parameter, a count or a membership test."""

    key: str
    """Its name in the values mapping a backend receives (:func:`expressions.key_of`)."""
    path: str | None
    """The fact it reads; None for a parameter."""
    node: ex.Field | ex.Param | ex.Count | ex.Contains = attrs.field(eq=False, repr=False)
    """The expression it reads: its value is the node's (:func:`expressions.evaluate`)."""


def source_of(node: ex.Field | ex.Param | ex.Count | ex.Contains) -> ValueSource:
    """The value source of one node of a condition."""
    path = None if isinstance(node, ex.Param) else node.path
    return ValueSource(ex.key_of(node), path, node)


def row_function(sources: tuple[ValueSource, ...]) -> RowFunction:
    """One function giving every source's value at once, as evaluating each node would.

    The row is read for every subject, so it is generated as one dict display (as cattrs
    generates its structuring functions) instead of one call per value: a fact or a
    parameter is read in place, a count or a membership test by its compiled expression;
    keys and names are written as ``repr`` literals, so no text of a pack becomes code.
    """
    bound: dict[str, Any] = {}
    items: list[str] = []
    for i, s in enumerate(sources):
        node = s.node
        if isinstance(node, ex.Field):
            value = f"g({node.path!r})"
        elif isinstance(node, ex.Param):
            value = f"p({node.name!r})"
        else:
            bound[f"_e{i}"] = ex.compiled(node)
            value = f"_e{i}(facts, params)"
        items.append(f"{s.key!r}: {value}")
    source = (
        "def row(facts, params):\n"
        "    g, p = facts.get, params.get\n"
        f"    return {{{', '.join(items)}}}\n"
    )
    exec(compile(source, "<policyengine row>", "exec"), bound)
    row: RowFunction = bound["row"]
    return row
