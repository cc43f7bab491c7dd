"""Typed ids of a plan: which condition is which, and what each compared value reads.

A condition is known to the backends by its position in :attr:`Plan.conditions
<policyengine.plan.Plan.conditions>` (a :data:`CondRef`); :class:`CondId` says what it is
(the ``when`` of rule 3, band 2 of scale 0, …) for people and tools. A
:class:`ValueSource` is one value a condition compares: its key in the values a backend
receives, the fact it reads (None for a parameter) and a fast reader.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal, NewType

import attrs

from policyengine import expressions as ex

__all__ = ["CondId", "CondRef", "Getter", "RowFunction", "ValueSource", "row_function", "source_of"]

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


Getter = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]
"""``getter(facts, params) -> value`` (None when missing)."""


RowFunction = Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]
"""``row(facts, params) -> {key: value}``: every source's value, in the sources' order."""


@attrs.frozen
class ValueSource:
    """One value compared by conditions: a fact, a parameter, a count or a membership test."""

    key: str
    """Its name in the values mapping a backend receives (:func:`expressions.key_of`)."""
    path: str | None
    """The fact it reads; None for a parameter."""
    get: Getter = attrs.field(eq=False, repr=False)
    node: ex.Field | ex.Param | ex.Count | ex.Contains | None = attrs.field(
        default=None, eq=False, repr=False
    )
    """The node it was made from (what :func:`row_function` reads it as)."""


def _getter(node: ex.Field | ex.Param | ex.Count | ex.Contains) -> Getter:
    if isinstance(node, ex.Field):
        path = node.path
        return lambda facts, params: facts.get(path)
    if isinstance(node, ex.Param):
        name = node.name
        return lambda facts, params: params.get(name)
    if isinstance(node, ex.Count):
        path = node.path

        def count(facts: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
            items = facts.get(path)
            return None if items is None else len(items)

        return count
    path, value = node.path, node.value

    def contains(facts: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
        items = facts.get(path)
        return None if items is None else value in items

    return contains


def source_of(node: ex.Field | ex.Param | ex.Count | ex.Contains) -> ValueSource:
    """The value source of one node of a condition."""
    path = None if isinstance(node, ex.Param) else node.path
    return ValueSource(ex.key_of(node), path, _getter(node), node)


def _count(items: Any) -> Any:
    return None if items is None else len(items)


def _contains(items: Any, value: Any) -> Any:
    return None if items is None else value in items


def row_function(sources: tuple[ValueSource, ...]) -> RowFunction:
    """One function giving every source's value at once, as calling each ``get`` would.

    The row is read for every subject, so it is generated as one dict display (as cattrs
    generates its structuring functions) instead of one call per value: keys and paths are
    written as ``repr`` literals and list values are bound by name, so no text of a pack
    becomes code. A source made without its node keeps its own reader.
    """
    bound: dict[str, Any] = {"_count": _count, "_contains": _contains}
    items: list[str] = []
    for i, s in enumerate(sources):
        node = s.node
        if isinstance(node, ex.Field):
            value = f"g({node.path!r})"
        elif isinstance(node, ex.Param):
            value = f"p({node.name!r})"
        elif isinstance(node, ex.Count):
            value = f"_count(g({node.path!r}))"
        elif isinstance(node, ex.Contains):
            bound[f"_v{i}"] = node.value
            value = f"_contains(g({node.path!r}), _v{i})"
        else:
            bound[f"_get{i}"] = s.get
            value = f"_get{i}(facts, params)"
        items.append(f"{s.key!r}: {value}")
    source = (
        "def row(facts, params):\n"
        "    g, p = facts.get, params.get\n"
        f"    return {{{', '.join(items)}}}\n"
    )
    exec(compile(source, "<policyengine row>", "exec"), bound)
    row: RowFunction = bound["row"]
    return row
