"""JSON as the engine reads it: no NaN or Infinity, and no key given twice in one object.

The standard module takes both silently (the last of two equal keys wins), so that
``{"households": 10, "households": 20}`` would be evaluated as 20 with nothing said. Facts are
evidence: a document that says two things about one fact is refused, as TOML refuses it, and
the message names the key.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["LONG_NUMBER", "loads"]

LONG_NUMBER = "a number has more than 4,300 digits"
"""What a number beyond Python's integer-string limit is said to be (for JSON and TOML)."""


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
    """Parse JSON text; ValueError (a JSONDecodeError for bad syntax) for what is refused,
    in the product's words (:data:`LONG_NUMBER`, not Python's limit on integer strings)."""
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_object)
    except ValueError as exc:
        if not isinstance(exc, json.JSONDecodeError) and "digits" in str(exc):
            raise ValueError(LONG_NUMBER) from None
        raise
