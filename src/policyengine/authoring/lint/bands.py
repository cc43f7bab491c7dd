"""Checks of scales: band thresholds in order, no gap in band values, every band reachable."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from policyengine import expressions as ex
from policyengine.authoring.lint.base import (
    INF,
    Issue,
    PackLint,
    error,
    is_number,
    number_text,
    register_check,
    rule_item,
)
from policyengine.invariants import band_problems


def _threshold_text(lint: PackLint, band_min: str | int | float, value: Any) -> str:
    if isinstance(band_min, str) and lint.parse(band_min) is not None:
        expr = lint.parse(band_min)
        if not isinstance(expr, ex.Const):
            return f"{band_min} = {number_text(value)}"
    return number_text(value)


@register_check("band-overlap")
def check_band_overlap(lint: PackLint) -> Iterator[Issue]:
    """Bands do not overlap: band values differ, and thresholds rise with the band value
    (:mod:`policyengine.invariants`, also checked at load)."""
    for i, scale in enumerate(lint.pack.scales):
        for item, message in band_problems(i, scale, lint.probes):
            yield error(item, message)


@register_check("band-gap")
def check_band_gaps(lint: PackLint) -> Iterator[Issue]:
    """Integer band values are consecutive (1, 2, 3 — not 1, 2, 4)."""
    for i, scale in enumerate(lint.pack.scales):
        values = [b.value for b in scale.bands]
        ints = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
        if not ints or len(ints) != len(values):
            continue
        ordered = sorted(set(ints))
        for low, high in itertools.pairwise(ordered):
            if high - low > 1:
                missing = ", ".join(str(v) for v in range(int(low) + 1, int(high)))
                j = values.index(high)
                yield error(
                    f"{rule_item(i, scale.id, 'scales')}.bands[{j}]",
                    f"band {high} follows band {low}: no band {missing} (a gap in the bands)",
                )


def _parts_text(lint: PackLint, path: str) -> str:
    info = lint.fact(path, "community")
    if info is None or info.expression is None:
        return ""
    parts = []
    for field in ex.fields_of(info.expression):
        hi = lint.bounds(ex.Field(field), "community")[1]
        if hi != INF:
            parts.append(f"{field} ≤ {number_text(hi)}")
    listed = f"; {', '.join(parts)}" if parts else ""
    return f" (= {ex.render(info.expression)}{listed})"


@register_check("unreachable-band")
def check_unreachable_bands(lint: PackLint) -> Iterator[Issue]:
    """No band threshold is above the most the scale's input can reach: points that cannot
    add up to the threshold (ranges from the facts vocabulary, summed through derived facts)."""
    for i, scale in enumerate(lint.pack.scales):
        input_expr = lint.parse(scale.input)
        if input_expr is None:
            continue
        _, most = lint.bounds(input_expr, "community")
        if most == INF:
            continue
        for j, band in enumerate(scale.bands):
            expr = lint.parse(band.min if isinstance(band.min, str) else repr(band.min))
            if expr is None:
                continue
            values = {ex.evaluate(expr, {}, params) for _, params in lint.probes}
            high = max((v for v in values if is_number(v)), default=None)
            if high is None or high <= most:
                continue
            parts = _parts_text(lint, scale.input) if isinstance(input_expr, ex.Field) else ""
            label = f" ({band.label})" if band.label else ""
            yield error(
                f"{rule_item(i, scale.id, 'scales')}.bands[{j}]",
                f"band {number_text(band.value)}{label} needs {scale.input} ≥ "
                f"{_threshold_text(lint, band.min, high)}, but {scale.input} can reach at most "
                f"{number_text(most)}{parts}: the band is unreachable",
            )
