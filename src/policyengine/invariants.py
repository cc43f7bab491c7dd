"""What the engine relies on in a pack, checked when the pack loads.

:func:`policyengine.pack.load_pack` raises :class:`~policyengine.exceptions.PackError` with
every problem found here, each naming the pack file and the key; ``policyengine lint``
reports the same problems under its ``dated-values`` and ``band-overlap`` checks.

- Dated values of a parameter are in date order, no date twice (the value in force on a
  day is the last one started); programme-year values name a year of the programme once.
- A parameter keeps one type across its values (number, text, flag or table).
- A scale's band values differ, and its thresholds rise with the band value on every date
  a parameter changes (the highest band reached wins).

This module reads the pack's parts through small protocols, so it depends on no other
module of the package but :mod:`policyengine.expressions`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

from policyengine import expressions as ex

__all__ = [
    "band_problems",
    "dated_value_problems",
    "pack_problems",
    "probes",
    "unreadable_expressions",
    "value_type_problems",
]

Problem = tuple[str, str]
"""``(item, message)``, e.g. ``("parameters.x.values[1]", "since … comes before …")``."""


class DatedValueLike(Protocol):
    """A dated value (:class:`policyengine.pack.DatedValue`)."""

    @property
    def since(self) -> dt.date | None: ...
    @property
    def year(self) -> int | None: ...
    @property
    def value(self) -> Any: ...


class ParameterLike(Protocol):
    """A parameter (:class:`policyengine.pack.Parameter`)."""

    @property
    def value(self) -> Any: ...
    @property
    def values(self) -> Sequence[DatedValueLike]: ...
    def value_at(self, as_of: dt.date, programme_year: int | None = None) -> Any: ...


class BandLike(Protocol):
    """A band (:class:`policyengine.pack.Band`)."""

    @property
    def value(self) -> int | float | str: ...
    @property
    def min(self) -> str | int | float: ...


class ScaleLike(Protocol):
    """A scale (:class:`policyengine.pack.Scale`)."""

    @property
    def id(self) -> str: ...
    @property
    def bands(self) -> Sequence[BandLike]: ...


def number_text(value: Any) -> str:
    """A number as people write it: 700, not 700.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def dated_value_problems(
    name: str, param: ParameterLike, programme_years: int | None
) -> Iterator[Problem]:
    """Dated values in date order, each ``since`` once; programme years in 1..years, once."""
    previous: tuple[int, dt.date] | None = None
    years: dict[int, int] = {}
    for j, entry in enumerate(param.values):
        item = f"parameters.{name}.values[{j}]"
        if entry.since is not None:
            if previous is not None and entry.since == previous[1]:
                yield (
                    item,
                    f"since {entry.since.isoformat()} is also values[{previous[0]}]'s: "
                    "two values overlap on that date",
                )
            elif previous is not None and entry.since < previous[1]:
                yield (
                    item,
                    f"since {entry.since.isoformat()} comes before values[{previous[0]}]'s "
                    f"{previous[1].isoformat()}: list dated values in date order",
                )
            previous = (j, entry.since)
        if entry.year is not None:
            if programme_years is not None and not 1 <= entry.year <= programme_years:
                yield (
                    item,
                    f"year {entry.year} is outside the programme's years 1..{programme_years}",
                )
            if entry.year in years:
                yield item, f"year {entry.year} is also given by values[{years[entry.year]}]"
            years.setdefault(entry.year, j)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a flag (true/false)"
    if _is_number(value):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a table"


def value_type_problems(name: str, param: ParameterLike) -> Iterator[Problem]:
    """A parameter's values are all numbers, all text, all flags or all tables."""
    first: tuple[int, str] | None = None
    for j, entry in enumerate(param.values):
        if entry.value is None:
            continue
        kind = _kind(entry.value)
        if first is None:
            first = (j, kind)
        elif kind != first[1]:
            yield (
                f"parameters.{name}.values[{j}].value",
                f"{entry.value!r} is {kind}, but values[{first[0]}] is {first[1]}: "
                "a parameter keeps one type across its dates",
            )


def probes(
    parameters: Mapping[str, ParameterLike], first_date: dt.date, programme_years: int | None
) -> list[tuple[str, dict[str, Any]]]:
    """``(label, parameter values)`` on every date a dated value starts (else ``first_date``)
    and in every programme year: the states of the pack's parameters worth checking."""
    entries = [e for p in parameters.values() for e in p.values]
    dates = sorted({e.since for e in entries if e.since}) or [first_date]
    years: list[int | None] = list(range(1, programme_years + 1)) if programme_years else [None]
    out: list[tuple[str, dict[str, Any]]] = []
    for day in dates:
        for year in years:
            label = f"from {day.isoformat()}" + (f", programme year {year}" if year else "")
            out.append((label, {n: p.value_at(day, year) for n, p in parameters.items()}))
    return out


def _parse(text: str) -> ex.Expr | None:
    try:
        return ex.parse(text)
    except ex.ExpressionError:
        return None


def _band_order(values: Sequence[Any]) -> list[int]:
    """Band indexes from the lowest band value up (declared order for text values)."""
    if all(_is_number(v) for v in values):
        return sorted(range(len(values)), key=lambda j: values[j])
    return list(range(len(values)))


def _threshold_text(band_min: str | int | float, value: Any) -> str:
    if isinstance(band_min, str):
        expr = _parse(band_min)
        if expr is not None and not isinstance(expr, ex.Const):
            return f"{band_min} = {number_text(value)}"
    return number_text(value)


def band_problems(
    i: int, scale: ScaleLike, states: Sequence[tuple[str, Mapping[str, Any]]]
) -> Iterator[Problem]:
    """Band values differ, and thresholds rise with the band value in every state."""
    item = f"scales[{i}] ({scale.id})"
    values = [b.value for b in scale.bands]
    for j, value in enumerate(values):
        if value in values[:j]:
            yield (
                f"{item}.bands[{j}]",
                f"band value {number_text(value)} is also bands[{values.index(value)}]'s",
            )
    order = _band_order(values)
    parsed = [_parse(b.min if isinstance(b.min, str) else repr(b.min)) for b in scale.bands]
    reported: set[int] = set()
    for label, params in states:
        thresholds: list[Any] = [None if e is None else ex.evaluate(e, {}, params) for e in parsed]
        for lower, upper in itertools.pairwise(order):
            a, b = thresholds[lower], thresholds[upper]
            if upper in reported or not (_is_number(a) and _is_number(b)) or b > a:
                continue
            reported.add(upper)
            when = f" ({label})" if len(states) > 1 else ""
            this = _threshold_text(scale.bands[upper].min, b)
            other = _threshold_text(scale.bands[lower].min, a)
            how = "the same threshold as" if a == b else "below"
            yield (
                f"{item}.bands[{upper}]",
                f"band {number_text(values[upper])} starts at {this}, {how} band "
                f"{number_text(values[lower])} at {other}{when}: the bands overlap "
                "(thresholds must rise with the band value)",
            )


def pack_problems(
    parameters: Mapping[str, ParameterLike],
    scales: Sequence[ScaleLike],
    first_date: dt.date,
    programme_years: int | None,
) -> list[str]:
    """Every invariant problem of a pack, as ``item: message`` lines."""
    found: list[Problem] = []
    for name, param in parameters.items():
        found.extend(dated_value_problems(name, param, programme_years))
        found.extend(value_type_problems(name, param))
    if scales:
        states = probes(parameters, first_date, programme_years)
        for i, scale in enumerate(scales):
            found.extend(band_problems(i, scale, states))
    return [f"{item}: {message}" for item, message in found]


def unreadable_expressions(raw: Any) -> list[str]:
    """Expressions that do not parse or exceed the language's limits, named by their rule.

    ``raw`` is the pack file as read (``pack._PackFile``). Checked when the pack is read
    (before its hooks run); types and the rules engine's own limits are checked when the
    pack is compiled.
    """
    texts: list[tuple[str, str | None]] = [
        ("pack.applicability.when", raw.pack.applicability.when if raw.pack.applicability else None)
    ]
    for i, rule in enumerate(raw.rules):
        texts += [(f"rules[{i}] ({rule.id}).when", rule.when)]
        texts += [(f"rules[{i}] ({rule.id}).require", rule.require)]
    for i, scale in enumerate(raw.scales):
        texts += [(f"scales[{i}] ({scale.id}).input", scale.input)]
        texts += [(f"scales[{i}] ({scale.id}).when", scale.when)]
        texts += [
            (f"scales[{i}] ({scale.id}).bands[{j}].min", band.min)
            for j, band in enumerate(scale.bands)
            if isinstance(band.min, str)
        ]
    for i, dl in enumerate(raw.deadlines):
        texts += [(f"deadlines[{i}] ({dl.id}).when", dl.when)]
        texts += [(f"deadlines[{i}] ({dl.id}).evidence", dl.evidence)]
    for i, d in enumerate(raw.derived):
        texts += [(f"derived[{i}] ({d.path}).expression", d.expression)]
    for i, agg in enumerate(raw.aggregates):
        texts += [(f"aggregates[{i}] ({agg.path}).condition", agg.condition)]
    texts += [
        (f"outputs.{name}", out if isinstance(out, str) else out.expression)
        for name, out in raw.outputs.items()
    ]
    problems: list[str] = []
    for where, text in texts:
        if text is None:
            continue
        try:
            ex.parse(text)
        except ex.ExpressionError as exc:
            problems.append(f"{where}: {exc}")
    return problems
