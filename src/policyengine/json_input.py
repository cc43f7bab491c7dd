"""JSON as the engine reads it: no NaN or Infinity, and no key given twice in one object.

The standard module takes both silently (the last of two equal keys wins), so that
``{"households": 10, "households": 20}`` would be evaluated as 20 with nothing said. Facts are
evidence: a document that says two things about one fact is refused, as TOML refuses it, and
the message names the key.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["LONG_NUMBER", "WrittenNumber", "loads", "read_float"]

LONG_NUMBER = "a number has more than 4,300 digits"
"""What a number beyond Python's integer-string limit is said to be (for JSON and TOML)."""


class WrittenNumber(float):
    """A number too large for a float (``1e400``) as the document wrote it: infinite, so
    refused wherever a number is read, and named in the message as written, not as ``inf``,
    which the document does not say."""

    written: str

    def __new__(cls, text: str) -> WrittenNumber:
        number = super().__new__(cls, text)
        number.written = text
        return number


def read_float(text: str) -> float:
    """A JSON or TOML number with a fraction or exponent (``parse_float``): a float, or a
    :class:`WrittenNumber` where it overflows."""
    number = float(text)
    if math.isinf(number) and text.lstrip("+-")[:1].isdigit():  # not TOML's own inf
        return WrittenNumber(text)
    return number


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"the key {json.dumps(key, ensure_ascii=False)} is given twice")
            seen.add(key)
    return out


def loads(text: str | bytes) -> Any:
    """Parse JSON text; ValueError (a JSONDecodeError for bad syntax, a UnicodeDecodeError
    for bytes that are not UTF-8) for what is refused, in the product's words
    (:data:`LONG_NUMBER`, not Python's limit on integer strings)."""
    if isinstance(text, bytes | bytearray):
        # UTF-8 only (a BOM allowed): the standard module would also take UTF-16 and UTF-32
        text = text.decode("utf-8").removeprefix("\ufeff")  # positions: the bytes' own
    try:
        return json.loads(
            text, parse_float=read_float, parse_constant=_reject_constant, object_pairs_hook=_object
        )
    except ValueError as exc:
        if not isinstance(exc, json.JSONDecodeError) and "digits" in str(exc):
            raise ValueError(LONG_NUMBER) from None
        raise
