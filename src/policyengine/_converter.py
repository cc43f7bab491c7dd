"""The strict cattrs converter shared by facts documents and pack files.

It is strict where the stock converter is lenient: ``"yes"`` is not a bool, ``True`` is not
a number, ``"12"`` is not an int, a string is not a list, and unknown keys are errors.
:func:`problems_of` turns cattrs' exception groups into :class:`FactProblem` with dotted
paths, so a document reports every problem at once.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import threading
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal

import attrs
import cattrs
from cattrs.errors import (
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn

from policyengine.exceptions import FactProblem
from policyengine.facts import DATE_PATTERN, Range
from policyengine.limits import MAX_EXACT_INT, MAX_TEXT_BYTES

__all__ = ["beyond", "check_text", "converter", "describe", "problems_of"]


BEYOND = "is beyond 2^53 (9,007,199,254,740,992), the largest number compared exactly"
"""What a number too large to compare exactly is said to be (after the number)."""
BELOW = "is below -2^53 (-9,007,199,254,740,992), the smallest number compared exactly"
"""What a number too far below zero to compare exactly is said to be (-1e400 was "beyond
2^53", as if it were large)."""


def beyond(value: Any) -> str:
    """:data:`BEYOND`, or :data:`BELOW` for a negative number."""
    return BELOW if value < 0 else BEYOND


def describe(value: Any) -> str:
    """A value as a message shows it: JSON-like, short, printable."""
    if isinstance(value, str):
        shown = value if len(value) <= 80 else value[:77] + "…"
        try:
            shown.encode("utf-8")
        except UnicodeEncodeError:  # an unpaired surrogate cannot be printed
            return json.dumps(shown)
        return json.dumps(shown, ensure_ascii=False)
    if value is None:
        return "null (no value)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and hasattr(value, "written"):  # 1e400 as the document wrote it
        return str(value.written)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, int) and value.bit_length() > 64:
        return f"an integer of {len(str(value)) if value.bit_length() < 10_000 else 'many'} digits"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dt.date):
        return value.isoformat()
    return f"a value of type {type(value).__name__}"


def check_text(value: str) -> str:
    """``value`` if the engine compares it exactly: valid Unicode, under 64 KiB."""
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"text with an unpaired surrogate (U+{ord(value[exc.start]):04X} at character "
            f"{exc.start + 1}) is not valid Unicode"
        ) from None
    if size > MAX_TEXT_BYTES:
        raise ValueError(
            f"text of {size:,} bytes is longer than the limit of {MAX_TEXT_BYTES:,} bytes"
        )
    return value


def _number(value: Any, base: type, rng: Range | None) -> Any:
    kind = type(value)
    if kind is not int and kind is not float:  # the exact types first: no abc checks
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"{describe(value)} is not a number")
        kind = float if isinstance(value, float) else int
    if kind is float and not math.isfinite(value):
        if hasattr(value, "written"):  # 1e400: finite as written, beyond what a float holds
            raise ValueError(f"{value.written} {beyond(value)}")
        raise ValueError(f"{describe(value)} is not a finite number")
    if not -MAX_EXACT_INT <= value <= MAX_EXACT_INT:
        # the value as given (1e+300), but no 60-digit integer in a message
        shown = repr(value) if kind is float or value.bit_length() < 200 else "a number"
        raise ValueError(f"{shown} {beyond(value)}")
    if base is int and kind is float:
        if not value.is_integer():
            raise TypeError(f"{describe(value)} is not a whole number")
        value = int(value)
    if rng is not None:
        if rng.max is not None and value > rng.max:
            raise ValueError(f"{describe(value)} is above the maximum {rng.max:g}")
        if rng.min is not None:
            if rng.exclusive_min and value <= rng.min:
                raise ValueError(f"{describe(value)} must be more than {rng.min:g}")
            if value < rng.min:
                raise ValueError(f"{describe(value)} is below the minimum {rng.min:g}")
    return base(value)


class _Refused(threading.local):
    """The records refused while one outermost record is read (in this thread): each table
    by id, with what its cattrs function raised. A record whose fast path fails is read
    again by cattrs' function, which reads its tables again: each level of nesting doubled
    the work, 2**depth passes over a bad list (four over 90,000 bad vetoes: 8 s). Asked
    again for the same table, a record raises what it raised (cattrs adds its own note)."""

    depth = 0
    refused: dict[int, tuple[Any, Exception]] | None = None
    probing = False
    """Whether a record's fast path is reading: any problem sends the record to cattrs'
    function, which says them all, so a list stops at its first bad item."""


_REFUSED = _Refused()


def _with_tables(structure: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """A record's hook: a dict as it is, another mapping as a dict, anything else refused."""

    def hook(v: Any, t: Any) -> Any:
        if type(v) is dict:
            return structure(v, t)
        if not isinstance(v, Mapping):
            raise TypeError(f"{describe(v)} is not a table")
        return structure(v if isinstance(v, dict) else dict(v), t)

    return hook


def _given_fields(
    tp: Any, conv: cattrs.Converter
) -> dict[str, tuple[Callable[[Any, Any], Any], Any]] | None:
    """Each init field of a record by its key, with the hook cattrs' generated function
    uses for it (None where a field is not that simple: no type, or renamed in ``__init__``)."""
    hints = typing.get_type_hints(tp, include_extras=True)
    out: dict[str, tuple[Callable[[Any, Any], Any], Any]] = {}
    for a in attrs.fields(tp):
        if not a.init:
            continue
        kind = hints.get(a.name)
        if kind is None or a.alias != a.name:
            return None
        out[a.name] = (conv.get_structure_hook(kind), kind)
    return out


def make_converter(sparse: bool = True) -> cattrs.Converter:
    """The strict converter. ``sparse``: a record reads the keys given rather than every
    field (the same typed facts or the same problems; ``False`` is the reference the tests
    compare it with)."""
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)

    def is_ranged(tp: Any) -> bool:
        return typing.get_origin(tp) is typing.Annotated and tp.__origin__ in (int, float)

    def ranged(tp: Any) -> Callable[[Any, Any], Any]:
        base = tp.__origin__
        rng = next((m for m in tp.__metadata__ if isinstance(m, Range)), None)
        return lambda v, _: _number(v, base, rng)

    conv.register_structure_hook_factory(is_ranged, ranged)
    conv.register_structure_hook(int, lambda v, _: _number(v, int, None))
    conv.register_structure_hook(float, lambda v, _: _number(v, float, None))

    def structure_bool(v: Any, _: Any) -> bool:
        if not isinstance(v, bool):
            raise TypeError(f"{describe(v)} is not true or false")
        return v

    def structure_str(v: Any, _: Any) -> str:
        if not isinstance(v, str):
            raise TypeError(f"{describe(v)} is not text")
        return check_text(v)

    def structure_date(v: Any, _: Any) -> dt.date:
        if isinstance(v, dt.datetime):
            raise TypeError(f"{v.isoformat()} is a date and time; give a date (YYYY-MM-DD)")
        if isinstance(v, dt.date):
            return v
        if isinstance(v, str) and re.fullmatch(DATE_PATTERN, v):
            try:
                return dt.date.fromisoformat(v)
            except ValueError:
                pass
        raise TypeError(f"{describe(v)} is not a date (YYYY-MM-DD)")

    conv.register_structure_hook(bool, structure_bool)
    conv.register_structure_hook(str, structure_str)
    conv.register_structure_hook(dt.date, structure_date)

    def is_literal(tp: Any) -> bool:
        return typing.get_origin(tp) is Literal

    def literal(tp: Any) -> Callable[[Any, Any], Any]:
        choices = typing.get_args(tp)
        listed = ", ".join(str(c) for c in choices)  # once: a list may hold 100,000 bad items

        def structure(v: Any, _: Any) -> Any:
            if v not in choices or isinstance(v, bool):
                raise ValueError(f"{describe(v)} is not one of: {listed}")
            return v

        return structure

    conv.register_structure_hook_factory(is_literal, literal)

    def is_tuple(tp: Any) -> bool:
        return typing.get_origin(tp) is tuple

    def strict_tuple(tp: Any) -> Callable[[Any, Any], Any]:
        item_type = typing.get_args(tp)[0]
        item_hook = conv.get_structure_hook(item_type)
        at = f"Structuring {tp} @ index "  # the type said once, not for every bad item

        def structure(v: Any, _: Any) -> Any:
            if not isinstance(v, list | tuple):
                raise TypeError(f"{describe(v)} is not a list")
            out: list[Any] = []
            errors: list[Exception] = []
            for i, item in enumerate(v):
                try:
                    out.append(item_hook(item, item_type))
                except Exception as exc:
                    exc.add_note(IterableValidationNote(f"{at}{i}", i, item_type))
                    errors.append(exc)
            if errors:
                raise IterableValidationError(f"While structuring {tp!r}", errors, tp)
            return tuple(out)

        def structure_or_stop(v: Any, t: Any) -> Any:
            if _REFUSED.probing and isinstance(v, list | tuple):  # the first bad item will do
                return tuple(item_hook(item, item_type) for item in v)
            return structure(v, t)

        return structure_or_stop

    conv.register_structure_hook_factory(is_tuple, strict_tuple)
    _scalars = {bool, int, float, str, type(None)}

    def is_scalar_union(tp: Any) -> bool:
        if typing.get_origin(tp) not in (typing.Union, types.UnionType):
            return False
        return all(a in _scalars or typing.get_origin(a) is dict for a in typing.get_args(tp))

    def scalar_union(tp: Any) -> Callable[[Any, Any], Any]:
        args = typing.get_args(tp)
        allowed = tuple(a for a in args if a in _scalars and a is not type(None))
        tables = any(typing.get_origin(a) is dict for a in args)

        none_ok = type(None) in args
        exact = frozenset(a for a in allowed if a is not bool)  # str, int, float as given

        def structure(v: Any, _: Any) -> Any:
            if v is None and none_ok:
                return None
            kind = type(v)
            if kind in exact:  # the common case, as the general path below decides it
                if kind is str:
                    check_text(v)
                else:
                    _number(v, kind, None)
                return v
            if tables and isinstance(v, Mapping):
                for key, item in v.items():
                    if not isinstance(key, str):
                        raise TypeError(f"{describe(key)} is not text")
                    try:
                        _number(item, float, None)
                    except (TypeError, ValueError) as exc:
                        raise type(exc)(f"{key}: {exc}") from None
                return dict(v)
            if isinstance(v, str):
                check_text(v)
            if isinstance(v, int | float) and not isinstance(v, bool):
                _number(v, float if isinstance(v, float) else int, None)
            if isinstance(v, bool) and bool not in allowed:
                raise TypeError(f"{describe(v)} is not a number or text")
            if isinstance(v, allowed):
                return v
            if float in allowed and isinstance(v, int):
                return float(v)
            names = " or ".join(a.__name__ for a in allowed) + (" or a table" if tables else "")
            raise TypeError(f"{describe(v)} is not a {names}")

        return structure

    conv.register_structure_hook_factory(is_scalar_union, scalar_union)

    def is_optional(tp: Any) -> bool:  # ``X | None`` not handled as a scalar union above
        if typing.get_origin(tp) not in (typing.Union, types.UnionType) or is_scalar_union(tp):
            return False
        args = typing.get_args(tp)
        return len(args) == 2 and type(None) in args

    def optional(tp: Any) -> Callable[[Any, Any], Any]:
        # the inner hook once, not cattrs' dispatch on every value (as _structure_optional)
        inner = next(a for a in typing.get_args(tp) if a is not type(None))
        if is_ranged(inner):  # a number of the vocabulary: checked here, one call less
            base = inner.__origin__
            rng = next((m for m in inner.__metadata__ if isinstance(m, Range)), None)

            def number(v: Any, _: Any) -> Any:
                return None if v is None else _number(v, base, rng)

            return number
        hook = conv.get_structure_hook(inner)

        def structure(v: Any, _: Any) -> Any:
            return None if v is None else hook(v, inner)

        return structure

    conv.register_structure_hook_factory(is_optional, optional)

    def is_record(tp: Any) -> bool:
        return attrs.has(tp)

    def record(tp: Any) -> Callable[[Any, Any], Any]:
        if not sparse:
            return _with_tables(make_dict_structure_fn(tp, conv, _cattrs_forbid_extra_keys=True))
        fields: list[dict[str, tuple[Callable[[Any, Any], Any], Any]] | None] = []
        made: list[Callable[[Any, Any], Any]] = []

        def generated(v: dict[str, Any], t: Any) -> Any:
            # cattrs' function, generated when first needed: a record read without a
            # problem never needs it (generating every pack class's costs start-up)
            if not made:
                made.append(make_dict_structure_fn(tp, conv, _cattrs_forbid_extra_keys=True))
            state = _REFUSED
            probing, state.probing = state.probing, False  # every problem, with its path
            try:
                return made[0](v, t)
            finally:
                state.probing = probing

        def keys_given(v: dict[str, Any], t: Any) -> Any:
            # the keys given, not every field: a document gives few of a table's fields.
            # Anything unusual (a key not a field, a value refused) goes to cattrs'
            # function, which then says every problem with its path, as it always has.
            state = _REFUSED
            depth, refused = state.depth, state.refused
            if depth == 0:  # the outermost record: what was refused before is forgotten
                refused = state.refused = {}
            elif refused:
                hit = refused.get(id(v))
                if hit is not None and hit[0] is v:
                    raise hit[1]  # said once (_Refused)
            state.depth = depth + 1
            try:
                return read(v, t)
            except Exception as exc:
                if refused is not None:
                    refused[id(v)] = (v, exc)
                raise
            finally:
                state.depth = depth
                if depth == 0:
                    state.refused = None

        def read(v: dict[str, Any], t: Any) -> Any:
            if not fields:  # on first use: a record may hold itself (a jurisdiction's)
                fields.append(_given_fields(tp, conv))
            given = fields[0]
            if given is None:
                return generated(v, t)
            state = _REFUSED
            probing, state.probing = state.probing, True
            try:
                kwargs = {}
                for key, value in v.items():
                    hook, kind = given[key]
                    kwargs[key] = hook(value, kind)
                return tp(**kwargs)
            except Exception:  # cattrs' function says what it was
                pass
            finally:
                state.probing = probing
            return generated(v, t)

        return _with_tables(keys_given)

    conv.register_structure_hook_factory(is_record, record)
    return conv


converter = make_converter()


def problems_of(exc: BaseException, path: str) -> Iterator[FactProblem]:
    """Flatten cattrs' exception groups into problems with dotted paths."""
    if isinstance(exc, BaseExceptionGroup):
        for sub in exc.exceptions:
            sub_path = path
            for note in getattr(sub, "__notes__", ()):
                name = getattr(note, "name", None)
                if isinstance(name, str) and type(note).__name__ == "AttributeValidationNote":
                    sub_path = f"{path}.{name}" if path and not path.endswith(" ") else path + name
                elif type(note).__name__ == "IterableValidationNote":
                    sub_path = f"{path}[{note.index}]"
            yield from problems_of(sub, sub_path)
        return
    if isinstance(exc, ForbiddenExtraKeysError):
        for key in sorted(exc.extra_fields):
            where = f"{path}.{key}" if path and not path.endswith(" ") else path + key
            yield FactProblem(where, "unknown field (not in the facts vocabulary)")
        return
    if isinstance(exc, KeyError):
        yield FactProblem(path, "is required")
        return
    if isinstance(exc, TypeError | ValueError) and exc.args and isinstance(exc.args[0], str):
        message = exc.args[0]
        if "missing" in message and "required" in message:  # attrs __init__ without the id
            yield FactProblem(path, "a required field is missing")
        else:
            yield FactProblem(path, message)
        return
    yield FactProblem(path, str(exc))
