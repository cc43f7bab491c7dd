"""``[[aggregates]]``: jurisdiction facts computed over communities (their conditions)."""

from __future__ import annotations

import attrs

from policyengine import expressions as ex
from policyengine.exceptions import PackError
from policyengine.facts import fact_catalogue
from policyengine.pack import Aggregate
from policyengine.plan.common import Build

__all__ = ["AggregateItem", "build"]


@attrs.frozen
class AggregateItem:
    """One aggregate with its community condition parsed and checked (None: rule or output)."""

    aggregate: Aggregate
    condition: ex.Expr | None


def build(b: Build) -> None:
    """Parse the aggregates' community conditions (jurisdiction level only)."""
    items: list[AggregateItem] = []
    catalogue = fact_catalogue("community")
    for i, agg in enumerate(() if b.community else b.pack.aggregates):
        expr = None
        if agg.condition is not None:
            try:
                expr = ex.parse(agg.condition)
                for path in ex.fields_of(expr):
                    if path not in catalogue:
                        raise ex.ExpressionError(f"{path!r} is not a known community fact")
            except ex.ExpressionError as exc:
                raise PackError(f"{b.file}: aggregates[{i}].condition: {exc}") from None
        items.append(AggregateItem(agg, expr))
    b.items["aggregates"] = tuple(items)
