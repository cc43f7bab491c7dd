"""Lists of dates over columns: what a monthly deadline reads of each community's reports.

A monthly deadline's outcome and next due date depend on a community's dates only through
three things: which months of the deadline's span have a report dated on or before the
as-of date, which of those months have one on or before the month's due day, and whether
any report at all is dated on or before the as-of date. :func:`monthly_keys` computes these
for every distinct list at once from the flat dates of the column (:meth:`.vector.Vec.flat`),
so that the row path's own :func:`policyengine.deadlines.assess` is asked once per distinct
answer, with a list that gives it.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from policyengine.columnar.vector import Array, Vec
from policyengine.deadlines import due_date
from policyengine.pack import Deadline

__all__ = ["MAX_MONTHS", "monthly_keys"]

MAX_MONTHS = 31
"""Months of a span held as bits of one integer (longer spans are assessed list by list)."""

_EPOCH = dt.date(1970, 1, 1).toordinal()


def _months(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    """The months from ``start`` to ``end``, both included (as the row path counts them)."""
    first, last = start.year * 12 + start.month - 1, end.year * 12 + end.month - 1
    return [(m // 12, m % 12 + 1) for m in range(first, last + 1)]


def monthly_keys(deadline: Deadline, as_of: dt.date, col: Vec) -> tuple[Array, Array] | None:
    """``(codes, representative)``: each row's answer code (-1 where the list is not known)
    and, per answer code, the index of a distinct list that gives it (None: span too long)."""
    assert deadline.start is not None
    assert deadline.end is not None
    months = _months(deadline.start, deadline.end)
    if len(months) > MAX_MONTHS:
        return None
    codes, distinct = col.groups()
    owner, days = col.flat()
    first = deadline.start.year * 12 + deadline.start.month - 1
    due = np.array([due_date(deadline, y, m).toordinal() for y, m in months], dtype=np.int64)
    k = len(distinct)
    done = days <= as_of.toordinal()
    month = (days - _EPOCH).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    index = month + 1970 * 12 - first  # 0 for the first month of the span
    inside = done & (index >= 0) & (index < len(months))
    bit = np.left_shift(np.int64(1), np.where(inside, index, 0))
    on_time = inside & (days <= due[np.clip(index, 0, len(months) - 1)])
    # per distinct list (its dates are consecutive in the flat arrays): months with a
    # report, months with one on time, any report at all, as one integer
    lengths = np.bincount(owner, minlength=k)
    starts = np.zeros(k, dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])

    def per_list(values: Array) -> Array:  # a sentinel after the last date: no list is cut
        return np.bitwise_or.reduceat(np.append(values, 0), starts) if k else values[:0]

    in_month = per_list(np.where(inside, bit, 0))
    timely = per_list(np.where(on_time, bit, 0))
    any_done = per_list(done.astype(np.int64))
    key = np.where(lengths > 0, (in_month << 32) | (timely << 1) | any_done, 0)
    # a distinct cell that is no list (a blank or doubtful one: no row reads it) gets a key
    # of its own, so that it is never the representative of the empty list's answer
    key = np.where(np.array([d is None for d in distinct], dtype=bool), -1, key)
    _, rep, inverse = np.unique(key, return_index=True, return_inverse=True)
    answer = np.append(inverse.reshape(-1), -1)  # code -1 (not known): the last
    return answer[codes], rep
