"""Lists of dates written as JSON text (``["2024-01-05", "2024-02-03"]``), read as arrays.

Reports of a monthly duty are lists of dates, and nearly every community's list differs:
parsing each distinct cell with ``json.loads`` and ``date.fromisoformat`` cost more than
the rest of a batch. Here the cells in the plainest form — a JSON array of ``"YYYY-MM-DD"``
texts with JSON whitespace between them — are checked by one pattern and read as numbers
(year, month, day, checked against the calendar); every other cell is left to the row
path's reading (the caller's), which gives the same values for the plain ones.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import numpy as np

from policyengine.columnar.arrays import arrow_array
from policyengine.columnar.vector import Array

__all__ = ["PlainDates", "plain_date_lists"]

_WS = r"[ \t\n\r]*"
_DATE = r'"[0-9]{4}-[0-9]{2}-[0-9]{2}"'
PLAIN = rf"^\[{_WS}({_DATE}({_WS},{_WS}{_DATE})*)?{_WS}\]$"
"""A JSON array of ``YYYY-MM-DD`` texts: no escapes, nothing else."""

_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int32)


@attrs.frozen(eq=False)
class PlainDates:
    """The cells read: for each cell, whether it was plain, its dates (tuples of
    :class:`datetime.date`, None where not plain) and, flat, each date's cell and ordinal."""

    plain: Array
    lists: list[tuple[dt.date, ...] | None]
    owner: Array
    days: Array


def plain_date_lists(pa: Any, pc: Any, cells: Any) -> PlainDates:
    """Read the plain cells of a string array (no nulls) of JSON date lists."""
    plain = np.asarray(
        pc.match_substring_regex(cells, PLAIN).to_numpy(zero_copy_only=False), dtype=bool
    )
    where = np.flatnonzero(plain)
    # in a plain cell every '"' opens or closes a date of ten ASCII characters: the dates
    # are found in the cells' bytes, each by its opening quote
    taken = cells.take(arrow_array(where.astype(np.int64)))
    _, offsets_buffer, data = taken.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int32)[
        taken.offset : taken.offset + len(taken) + 1
    ].astype(np.int64)
    chars = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    chars = chars[: offsets[-1]] if len(offsets) else chars[:0]
    opens = np.flatnonzero(chars == ord('"'))[0::2]
    of_cell = np.searchsorted(offsets, opens, side="right") - 1
    counts = np.bincount(of_cell, minlength=len(where)).astype(np.int64)
    digits = chars[opens[:, None] + np.arange(1, 11)].astype(np.int32) - ord("0")
    year = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
    month = digits[:, 5] * 10 + digits[:, 6]
    day = digits[:, 8] * 10 + digits[:, 9]
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = _MONTH_DAYS[np.clip(month, 0, 12)] + ((month == 2) & leap)
    ok = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days)
    days = _ordinals(year.astype(np.int64), month.astype(np.int64), day.astype(np.int64))
    owner = np.repeat(np.arange(len(where), dtype=np.int64), counts)
    bad_list = np.zeros(len(where), dtype=bool)
    bad_list[owner[~ok]] = True  # a date the calendar has not: read by the book
    keep = ~bad_list[owner]
    # the lists as tuples of dates, each distinct date made once; a list is a slice of
    # the dates in order (C-level maps: no Python step per list)
    distinct, inverse = np.unique(days[ok], return_inverse=True)
    made = np.empty(len(distinct), dtype=object)
    made[:] = [dt.date.fromordinal(d) for d in distinct.tolist()]
    objects = np.full(len(days), None, dtype=object)
    objects[ok] = made[inverse.reshape(-1)]
    dates = objects.tolist()
    ends = np.cumsum(counts)
    slices = map(slice, (ends - counts).tolist(), ends.tolist())
    tuples = iter(list(map(tuple, map(dates.__getitem__, slices))))
    lists: list[tuple[dt.date, ...] | None] = [next(tuples) if p else None for p in plain.tolist()]
    for cell in where[bad_list].tolist():
        lists[cell] = None
    plain[where[bad_list]] = False
    return PlainDates(plain, lists, where[owner[keep]], days[keep])


def _ordinals(year: Array, month: Array, day: Array) -> Array:
    """``date(year, month, day).toordinal()`` for valid dates, as integers (the civil
    calendar's day count, with March first in each 400-year era)."""
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days_since_1970: Array = era * 146097 + doe - 719468
    return days_since_1970 + dt.date(1970, 1, 1).toordinal()
