"""Deadlines as results: whether an act was due, done on time, done late, or missed.

Pure date arithmetic over a :class:`policyengine.pack.Deadline` and the evidence fact; the
engine turns the :class:`Assessment` into a finding. Conventions (docs/explanation):

* A deadline day is inclusive: "每月24日前" is met by a report on the 24th; the 25th is late.
* ``monthly``: the report for month *m* is on time if one is dated in month *m* on or before
  the due day, late if the only ones in month *m* come after it, missing if there is none.
  Months whose due day has passed count; the current month is ``due`` until its due day.
* ``yearly``: the evidence is the last year the act was done. This year's act is ``due``
  until its date; a year that ended without it makes the deadline ``overdue``; a last year
  after the as-of year is ``unknown`` (it does not say whether this year's was done).
* ``once``: by the ``due`` date; with a date-list evidence, a later date is ``met_late``.
* Evidence dated after ``as_of`` is ignored: it had not happened yet.
* Missing evidence (None) is ``unknown``, but before the first due date, when nothing can
  be late yet, ``due`` (not yet reached, whatever was done); an empty list means nothing
  was done.

Every sentence names the duty (the deadline's title: what is to be done, for whom) and,
unless it was met, the date it is or was due (results.md ``message``; policies.md §6 "Due
dates": the message says by when).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from typing import Any

import attrs

from policyengine import expressions as ex
from policyengine.i18n import fact_label
from policyengine.messages import Reason, Words
from policyengine.pack import Deadline
from policyengine.results import Outcome

__all__ = ["Assessment", "assess", "due_date", "next_due"]


@attrs.frozen
class Assessment:
    """The outcome of a deadline on a date, in words and as the next date due."""

    outcome: Outcome
    expected: Reason
    actual: Reason
    message: Reason
    """Sentences as :class:`~policyengine.messages.Reason` (rendered when read)."""
    next_due: dt.date | None
    due: dt.date | None = None
    """The date the finding is about (its ``due`` field, policies.md §6 "Due dates"): the
    one due now, the one missed or met late, or the one met; None when none is."""


def _clamp(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _months(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def due_date(deadline: Deadline, year: int, month: int | None = None) -> dt.date:
    """The due date of a period: a month for ``monthly``, a year for ``yearly``."""
    if deadline.kind == "once":
        assert deadline.due is not None
        return deadline.due
    if deadline.kind == "monthly":
        assert month is not None
        assert deadline.day is not None
        return _clamp(year, month, deadline.day)
    return _clamp(year, deadline.month or 12, deadline.day or 31)


def _periods(deadline: Deadline) -> list[dt.date]:
    if deadline.kind == "once":
        assert deadline.due is not None
        return [deadline.due]
    if deadline.kind == "monthly":
        assert deadline.start is not None
        assert deadline.end is not None
        return [due_date(deadline, y, m) for y, m in _months(deadline.start, deadline.end)]
    first = deadline.start.year if deadline.start else None
    last = deadline.end.year if deadline.end else None
    if first is None:
        return []
    return [due_date(deadline, y) for y in range(first, (last or first) + 1)]


def next_due(deadline: Deadline, as_of: dt.date, done: Sequence[dt.date] = ()) -> dt.date | None:
    """The next due date on or after ``as_of`` whose period is not yet done on time."""
    if deadline.kind == "yearly" and deadline.end is None:
        this_year = due_date(deadline, as_of.year)
        return this_year if this_year >= as_of else due_date(deadline, as_of.year + 1)
    for due in _periods(deadline):
        if due < as_of:
            continue
        if deadline.kind == "monthly" and any(
            d.year == due.year and d.month == due.month and d <= due for d in done
        ):
            continue
        return due
    return None


def _duty(deadline: Deadline) -> Words:
    """The deadline's title, the duty a sentence names (English where the pack gives it)."""
    return Words(deadline.title, deadline.title_en)


def _evidence(deadline: Deadline) -> list[Words]:
    """The facts the deadline's evidence reads, by name (a fact or a condition's facts)."""
    paths: Sequence[str]
    try:
        paths = ex.fields_of(ex.parse(deadline.evidence))
    except ex.ExpressionError:
        paths = (deadline.evidence,)
    return [Words(fact_label(p, "zh"), fact_label(p, "en")) for p in paths]


def _month_due(deadline: Deadline, month: str) -> Reason:
    """A month's report with the date it was due ("2024-02（应于 2024-02-24 前）")."""
    due = due_date(deadline, int(month[:4]), int(month[5:]))
    return Reason("dl_month_due", {"month": month, "due": due.isoformat()})


def _dates(dates: Sequence[dt.date]) -> Reason:
    return Reason("dl_dates", {"dates": [d.isoformat() for d in dates]}) if dates else _NONE


_NONE = Reason("dl_none")
_MISSING = Reason("dl_unknown_value")
"""What was done, when the evidence is not given."""


def assess(deadline: Deadline, as_of: dt.date, evidence: Any) -> Assessment:
    """Decide a deadline on ``as_of`` from its evidence (dates, a year, or done/not done)."""
    if deadline.kind == "monthly":
        return _monthly(deadline, as_of, evidence)
    if deadline.kind == "yearly":
        return _yearly(deadline, as_of, evidence)
    return _once(deadline, as_of, evidence)


def _unknown(
    deadline: Deadline, expected: Reason, nxt: dt.date | None, due: dt.date | None = None
) -> Assessment:
    """The evidence is missing: the finding is about ``due`` (the next date due, unless
    another is given)."""
    reason = Reason("dl_unknown", {"title": _duty(deadline), "what": _evidence(deadline)})
    when = nxt if due is None else due
    return Assessment("unknown", expected, Reason("dl_unknown_value"), reason, nxt, when)


def _monthly(deadline: Deadline, as_of: dt.date, evidence: Any) -> Assessment:
    assert deadline.start is not None
    assert deadline.end is not None
    assert deadline.day is not None
    title = _duty(deadline)
    expected = Reason(
        "dl_monthly_expected",
        {
            "start": f"{deadline.start:%Y-%m}",
            "end": f"{deadline.end:%Y-%m}",
            "day": str(deadline.day),
        },
    )
    if evidence is None:
        opening = due_date(deadline, deadline.start.year, deadline.start.month)
        if as_of <= opening:  # nothing can be late yet: due, whatever was done
            reason = Reason("dl_not_yet_due", {"title": title, "due": opening.isoformat()})
            return Assessment("due", expected, _MISSING, reason, opening, opening)
        return _unknown(deadline, expected, next_due(deadline, as_of))
    done = sorted(d for d in evidence if d <= as_of)
    actual = _dates(done)
    missing: list[str] = []
    late: list[str] = []
    pending = None
    for y, m in _months(deadline.start, deadline.end):
        due = due_date(deadline, y, m)
        in_month = [d for d in done if (d.year, d.month) == (y, m)]
        on_time = any(d <= due for d in in_month)
        if due >= as_of:
            if not on_time and pending is None and (y, m) == (as_of.year, as_of.month):
                pending = due
            continue
        if on_time:
            continue
        (late if in_month else missing).append(f"{y}-{m:02d}")
    nxt = next_due(deadline, as_of, done)
    if as_of < due_date(deadline, deadline.start.year, deadline.start.month) and not done:
        pending = due_date(deadline, deadline.start.year, deadline.start.month)
    if missing or late:
        first = min(missing + late)  # the first month missed or reported late
        when = due_date(deadline, int(first[:4]), int(first[5:]))
        args = {
            "title": title,
            "missing": [_month_due(deadline, m) for m in missing],
            "late": [_month_due(deadline, m) for m in late],
        }
        if missing:
            code = "dl_monthly_missing_late" if late else "dl_monthly_missing"
            return Assessment("overdue", expected, actual, Reason(code, args), nxt, when)
        code = "dl_monthly_late_next" if nxt is not None else "dl_monthly_late"
        reason = Reason(code, {**args, "next": nxt.isoformat() if nxt else ""})
        return Assessment("met_late", expected, actual, reason, nxt, when)
    if pending is not None:
        reason = Reason(
            "dl_monthly_pending",
            {"title": title, "month": f"{pending:%Y-%m}", "due": pending.isoformat()},
        )
        return Assessment("due", expected, actual, reason, nxt, pending)
    reason = Reason("dl_monthly_pass", {"title": title})
    return Assessment("pass", expected, actual, reason, nxt, nxt)


def _yearly(deadline: Deadline, as_of: dt.date, evidence: Any) -> Assessment:
    this_due = due_date(deadline, as_of.year)
    title = _duty(deadline)
    expected = Reason(
        "dl_yearly_expected", {"month": str(this_due.month), "day": str(this_due.day)}
    )
    nxt = next_due(deadline, as_of)
    first_year = deadline.start.year if deadline.start else None
    if first_year is not None and as_of.year < first_year:
        reason = Reason("dl_yearly_from", {"title": title, "year": str(first_year)})
        return Assessment("not_applicable", expected, Reason("dl_dash"), reason, nxt)
    if evidence is None:
        if first_year is not None and as_of <= due_date(deadline, first_year):
            # the first year's act not yet due: nothing can be overdue, whatever was done
            reason = Reason("dl_not_yet_due", {"title": title, "due": this_due.isoformat()})
            return Assessment("due", expected, _MISSING, reason, nxt, this_due)
        return _unknown(deadline, expected, nxt)
    last = int(evidence)
    actual = Reason("dl_yearly_actual", {"last": str(last)})
    year = str(as_of.year)
    if last > as_of.year:
        # done in a year after the date asked about: it had not happened yet, and it does
        # not say whether this year's was done (a later act is no evidence of an earlier)
        reason = Reason("dl_yearly_later", {"title": title, "year": year, "last": str(last)})
        return Assessment("unknown", expected, actual, reason, nxt, this_due)
    if last >= as_of.year:
        reason = Reason("dl_yearly_pass", {"title": title, "year": year})
        nxt = due_date(deadline, as_of.year + 1)
        return Assessment("pass", expected, actual, reason, nxt, this_due)
    previous_required = first_year is None or first_year <= as_of.year - 1
    if previous_required and last < as_of.year - 1:
        missed = due_date(deadline, as_of.year - 1)
        args = {"title": title, "year": str(as_of.year - 1), "last": str(last)}
        reason = Reason("dl_yearly_missed", {**args, "due": missed.isoformat()})
        return Assessment("overdue", expected, actual, reason, nxt, missed)
    if as_of > this_due:
        reason = Reason(
            "dl_yearly_overdue", {"title": title, "year": year, "due": this_due.isoformat()}
        )
        return Assessment("overdue", expected, actual, reason, nxt, this_due)
    reason = Reason("dl_yearly_due", {"title": title, "year": year, "due": this_due.isoformat()})
    return Assessment("due", expected, actual, reason, nxt, this_due)


def _once(deadline: Deadline, as_of: dt.date, evidence: Any) -> Assessment:
    assert deadline.due is not None
    due = deadline.due
    title = _duty(deadline)
    said = {"title": title, "due": due.isoformat()}
    expected = Reason("dl_once_expected", {"due": due.isoformat()})
    nxt = due if as_of <= due else None
    if evidence is None:
        if as_of <= due:  # not yet due: nothing can be late, whatever was done
            reason = Reason("dl_not_yet_due", said)
            return Assessment("due", expected, _MISSING, reason, nxt, due)
        return _unknown(deadline, expected, nxt, due)
    actual: Reason
    if isinstance(evidence, list | tuple):
        done = sorted(d for d in evidence if d <= as_of)
        actual = _dates(done)
        if any(d <= due for d in done):
            reason = Reason("dl_once_pass", {"title": title})
            return Assessment("pass", expected, actual, reason, None, due)
        if done:
            reason = Reason("dl_once_late", {**said, "done": done[0].isoformat()})
            return Assessment("met_late", expected, actual, reason, None, due)
    else:
        actual = Reason("dl_done" if evidence else "dl_not_done")
        if evidence:
            reason = Reason("dl_done_pass", {"title": title})
            return Assessment("pass", expected, actual, reason, None, due)
    if as_of <= due:
        return Assessment("due", expected, actual, Reason("dl_once_due", said), nxt, due)
    reason = Reason("dl_once_overdue", said)
    return Assessment("overdue", expected, actual, reason, None, due)
