"""Checks at the API's edge: the evaluation date, the pack argument and parameter overrides.

Everything a caller hands to :func:`policyengine.evaluate` is checked here, before the engine
sees it, against the same types and ranges as facts documents; a wrong value is an
:class:`~policyengine.exceptions.InputError` naming the argument and the value.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from policyengine._converter import check_text, describe
from policyengine.exceptions import InputError, PackError
from policyengine.limits import MAX_EXACT_INT
from policyengine.pack import Pack, Parameter

__all__ = [
    "AFTER_LAST_DATE",
    "LAST_DATE",
    "check_as_of",
    "check_parameters",
    "parameter_kind",
    "value_kind",
]

LAST_DATE = dt.date(9998, 12, 31)
"""The last evaluation date: due dates of the following year must still be dates."""

AFTER_LAST_DATE = (
    f"is after {LAST_DATE.isoformat()}, the last date whose deadlines (due the following "
    "year) can be computed"
)
"""What is wrong with a date after :data:`LAST_DATE` (the library's and the service's words)."""


def check_as_of(as_of: Any) -> dt.date | None:
    """``as_of`` if it is a date the engine can evaluate on (None: today)."""
    if as_of is None:
        return None
    if isinstance(as_of, dt.datetime) or not isinstance(as_of, dt.date):
        raise InputError(
            f"as_of: {describe(as_of)} is not a date; give a datetime.date "
            "(e.g. datetime.date(2024, 6, 30))"
        )
    if as_of > LAST_DATE:
        raise InputError(f"as_of: {as_of.isoformat()} {AFTER_LAST_DATE}")
    return as_of


def value_kind(value: Any) -> str | None:
    """``bool``, ``number``, ``text`` or ``table``: the kind of a parameter's value (None:
    not one a parameter holds)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "table"
    return None


def parameter_kind(param: Parameter) -> str:
    """``bool``, ``number``, ``text`` or ``table``: the type of the values the document gives."""
    samples = [param.value] if param.value is not None else [v.value for v in param.values]
    for value in samples:
        kind = value_kind(value)
        if kind is not None:
            return kind
    return "number"  # "not stated in the document": a number the user may supply


def _check_number(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "is not a number"
    if isinstance(value, float) and not math.isfinite(value):
        return "is not a finite number"
    if value > MAX_EXACT_INT:
        return "is beyond 2^53, the largest number compared exactly"
    if value < -MAX_EXACT_INT:
        return "is below -2^53, the smallest number compared exactly"
    return None


def _problem(kind: str, value: Any) -> str | None:
    if value is None:
        return None  # unknown: as if the document set nothing
    if kind == "bool":
        return None if isinstance(value, bool) else "is not true or false"
    if kind == "number":
        return _check_number(value)
    if kind == "text":
        if not isinstance(value, str):
            return "is not text"
        try:
            check_text(value)
        except ValueError as exc:
            return str(exc)
        return None
    if not isinstance(value, Mapping):
        return "is not a table of numbers"
    for key, item in value.items():
        if not isinstance(key, str):
            return f"has the key {describe(key)}, which is not text"
        found = _check_number(item)
        if found:
            return f"has {key} = {describe(item)}, which {found.removeprefix('is ')}"
    return None


def check_parameters(pack: Pack, parameters: Any) -> Mapping[str, Any] | None:
    """``parameters`` if every override names a parameter and has its type, else an error."""
    if parameters is None:
        return None
    if not isinstance(parameters, Mapping):
        raise InputError(f"parameters: {describe(parameters)} is not a table of overrides")
    for name, value in parameters.items():
        param = pack.parameters.get(name) if isinstance(name, str) else None
        if param is None:
            raise PackError(
                f"{pack.id}: parameter override {name!r} is not a parameter of the pack"
            )
        kind = parameter_kind(param)
        problem = _problem(kind, value)
        if problem:
            shown = {
                "bool": "true or false",
                "number": "a number",
                "text": "text",
                "table": "a table of numbers",
            }[kind]
            raise InputError(
                f"parameters.{name}: {describe(value)} {problem} "
                f"(the parameter “{param.title}” is {shown})"
            )
    return parameters
