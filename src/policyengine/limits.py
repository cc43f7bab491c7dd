"""The limits policyengine enforces on what it reads, each named in the message that refuses it.

Values beyond these limits are refused with a message, never compared wrongly or allowed to
exhaust memory or time: ``docs/reliability.md`` lists what each input class gets.
"""

from __future__ import annotations

__all__ = [
    "MAX_CONDITION_DEPTH",
    "MAX_CONDITION_TEXT",
    "MAX_EXACT_INT",
    "MAX_INCLUDE_BYTES",
    "MAX_INCLUDE_FILES",
    "MAX_INCLUDE_ROWS",
    "MAX_NESTING",
    "MAX_TEXT_BYTES",
]

MAX_EXACT_INT = 2**53
"""Numbers are compared as 64-bit floats: integers beyond 2^53 are not all distinct."""

MAX_TEXT_BYTES = 65_535
"""Longest text value (UTF-8 bytes): the rules engine compares longer text wrongly."""

MAX_NESTING = 64
"""Deepest nesting of tables and lists in a facts document (the vocabulary needs 4)."""

MAX_INCLUDE_FILES = 10_000
"""Most files one jurisdiction document may include."""

MAX_INCLUDE_BYTES = 64 * 2**20
"""Most bytes all the files one jurisdiction document includes may hold together."""

MAX_INCLUDE_ROWS = 1_000_000
"""Most rows (communities) one included table may hold (a compressed Parquet file can hold
many more rows than its bytes suggest)."""

MAX_CONDITION_DEPTH = 64
"""Deepest nesting of a pack expression (parentheses, ``not``, terms of a sum)."""

MAX_CONDITION_TEXT = 20_000
"""Longest pack expression, in characters."""
