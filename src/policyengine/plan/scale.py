"""``[[scales]]``: bands over one value; the highest band reached wins."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from policyengine import expressions as ex
from policyengine.pack import Scale
from policyengine.plan.common import Build, clauses_of, compile_expr, sources_of, unique
from policyengine.plan.ids import CondId, ValueSource

__all__ = ["BandItem", "ScaleItem", "build"]


@attrs.frozen
class BandItem:
    """One band: reached when the scale's input is at least ``threshold``."""

    value: Any
    threshold: ex.Expr
    label: str
    reached_id: int
    """The position of ``input >= threshold`` among the plan's conditions."""


@attrs.frozen
class ScaleItem:
    """One scale, compiled (community level only)."""

    scale: Scale
    index: int
    input: ex.Expr
    when: ex.Expr | None
    when_id: int | None
    bands: tuple[BandItem, ...]
    when_sources: tuple[ValueSource, ...]
    input_sources: tuple[ValueSource, ...]
    fact_paths: tuple[str, ...]
    params: tuple[str, ...]
    clauses: Mapping[str, str | None] = attrs.field(factory=dict)
    """The clause of each parameter in ``params``."""

    @property
    def all_sources(self) -> tuple[ValueSource, ...]:
        """Every value the scale's conditions compare (``when``, input, thresholds)."""
        thresholds = tuple(s for band in self.bands for s in sources_of(band.threshold))
        return self.when_sources + self.input_sources + thresholds


def build(b: Build) -> None:
    """Compile the pack's scales (communities only)."""
    items: list[ScaleItem] = []
    for i, scale in enumerate(b.pack.scales if b.community else ()):
        where = f"{b.file}: scales[{i}] ({scale.id})"
        input_expr = compile_expr(scale.input, f"{where}.input", b.env, condition=False)
        assert input_expr is not None
        when = compile_expr(scale.when, f"{where}.when", b.env, condition=True)
        bands: list[BandItem] = []
        for j, band in enumerate(scale.bands):
            text = band.min if isinstance(band.min, str) else repr(band.min)
            threshold = compile_expr(text, f"{where}.bands[{j}].min", b.env, condition=False)
            assert threshold is not None
            reached = b.condition(
                CondId("scale", i, "band", j), ex.Compare(">=", input_expr, threshold)
            )
            assert reached is not None
            bands.append(BandItem(band.value, threshold, band.label or str(band.value), reached))
        when_id = b.condition(CondId("scale", i, "when"), when)
        fact_paths = unique(ex.fields_of(input_expr), ex.fields_of(when) if when else ())
        params = unique(
            ex.params_of(input_expr),
            ex.params_of(when) if when else (),
            (p for band in bands for p in ex.params_of(band.threshold)),
        )
        items.append(
            ScaleItem(
                scale,
                i,
                input_expr,
                when,
                when_id,
                tuple(bands),
                sources_of(when),
                sources_of(input_expr),
                fact_paths,
                params,
                clauses_of(b.pack, params),
            )
        )
        b.read(fact_paths)
    b.items["scales"] = tuple(items)
