"""The limits policyengine enforces on what it reads, each named in the message that refuses it.

Values beyond these limits are refused with a message, never compared wrongly or allowed to
exhaust memory or time: ``docs/reliability.md`` lists what each input class gets.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from policyengine.exceptions import TimeLimitError

__all__ = [
    "MAX_CONDITION_DEPTH",
    "MAX_CONDITION_TEXT",
    "MAX_EXACT_INT",
    "MAX_INCLUDE_BYTES",
    "MAX_INCLUDE_FILES",
    "MAX_INCLUDE_ROWS",
    "MAX_NESTING",
    "MAX_TEXT_BYTES",
    "check_time",
    "time_limit",
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
"""Most bytes all the files one jurisdiction document includes may hold together (its
every jurisdiction; the text in a Parquet table's cells counted as read, once a row)."""

MAX_INCLUDE_ROWS = 1_000_000
"""Most rows (communities) all the tables one document includes may hold together (a
compressed Parquet file can hold many more rows than its bytes suggest)."""

MAX_CONDITION_DEPTH = 64
"""Deepest nesting of a pack expression (parentheses, ``not``, terms of a sum)."""

MAX_CONDITION_TEXT = 20_000
"""Longest pack expression, in characters."""


_DEADLINE = threading.local()


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Work in this thread stops, at the next :func:`check_time`, once ``seconds`` have
    passed (a service's time limit: the thread ends, rather than running on after its
    answer said 503)."""
    previous = getattr(_DEADLINE, "at", None)
    _DEADLINE.at = time.monotonic() + seconds
    try:
        yield
    finally:
        _DEADLINE.at = previous


def check_time() -> None:
    """Raise :class:`TimeLimitError` when this thread's :func:`time_limit` has passed (called
    between communities of a jurisdiction)."""
    at = getattr(_DEADLINE, "at", None)
    if at is not None and time.monotonic() > at:
        raise TimeLimitError("the evaluation took longer than its time limit")
