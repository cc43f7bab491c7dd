"""A programme of numbered years (``[pack.programme]``): when it starts and which year's
standard is in force (policies.md §6: in force from its first year; after its last year
that year's standard stays, the standard the programme built)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Protocol

__all__ = ["programme_start", "standard_year"]


class _Programme(Protocol):
    @property
    def start_parameter(self) -> str: ...

    @property
    def years(self) -> int: ...


class _Parameter(Protocol):
    @property
    def value(self) -> Any: ...


def programme_start(
    programme: _Programme | None,
    parameters: Mapping[str, _Parameter],
    overrides: Mapping[str, Any] | None = None,
) -> int | None:
    """The first calendar year of the programme (None: no programme, or no year)."""
    if programme is None:
        return None
    start = (overrides or {}).get(programme.start_parameter)
    if start is None:
        start = parameters[programme.start_parameter].value
    return start if isinstance(start, int) and not isinstance(start, bool) else None


def standard_year(
    programme: _Programme | None,
    parameters: Mapping[str, _Parameter],
    as_of: dt.date,
    overrides: Mapping[str, Any] | None = None,
) -> int | None:
    """The programme year whose standard is in force on ``as_of``: the programme year, the
    last year after the programme, None before it (or without a programme)."""
    start = programme_start(programme, parameters, overrides)
    if programme is None or start is None or as_of.year < start:
        return None
    return min(as_of.year - start + 1, programme.years)
