"""Time relative to a dated fact: a term running N years from a date, a window of N years
before a date.

Two forms, both in ``pack.toml`` (docs/reference/pack-format.md):

* a ``once`` deadline whose date is a period after a date fact, instead of a fixed ``due``
  (``after = "civility_rating.named_on"``, ``years = 3``): a title named on 2016-05-20
  is to be re-evaluated by 2019-05-20; the outcomes are those of every deadline (``due``
  until then, ``overdue`` after it, ``pass`` or ``met_late`` when done), and ``unknown``
  when the date it runs from is not given;
* a derived fact counting the dates of a date-list fact that fall in a window of N years
  (or months) ending on a date fact or on the evaluation date (``count_dates``,
  ``within_years``, ``before``): "no veto in the two years before applying" is
  ``civility_rating.vetoes_in_window == 0``. The window includes both ends (以内);
* the same count over an event-record fact (a pack fact of ``type = "events"``: a list of
  ``{kind, date, note}``), of the ``kinds`` listed only (``count_events``, ``kinds``): one
  fact holds the vetoes of every kind, and "no safety or petition veto in the two years
  before applying" counts those two kinds.

A count is unknown (so is a condition on it) when the dates, the events or the date the
window ends on are not given: missing is never "none".

Dates after the evaluation date are left out of a window: they had not happened yet.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from policyengine.pack import Deadline, Derived, Pack
from policyengine.pack_facts import Event

__all__ = ["add_period", "check", "due_of", "is_window", "reads", "window_count", "window_counts"]

AS_OF = "as_of"
"""``before = "as_of"``: the window ends on the evaluation date."""


def add_period(day: dt.date, years: int = 0, months: int = 0) -> dt.date:
    """``day`` moved by whole years and months (29 February → 28 February in a short year)."""
    index = day.year * 12 + day.month - 1 + years * 12 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def due_of(deadline: Deadline, facts: Mapping[str, Any]) -> dt.date | None:
    """The date of a deadline that runs from a date fact; None when that date is unknown."""
    assert deadline.after is not None
    start = facts.get(deadline.after)
    if not isinstance(start, dt.date):
        return None
    return add_period(start, deadline.years or 0, deadline.months or 0)


def is_window(d: Derived) -> bool:
    """Whether a derived fact counts dates or events in a window."""
    return d.count_dates is not None or d.count_events is not None


def reads(pack: Pack, level: str = "community") -> Iterator[str]:
    """The fact paths the pack's relative forms read at a level (deadline anchors, and for
    communities the window facts)."""
    for dl in pack.deadlines:
        if dl.after is not None and dl.subject == level:
            yield dl.after
    for d in pack.derived if level == "community" else ():
        if is_window(d):
            yield str(d.count_dates or d.count_events)
            if d.before not in (None, AS_OF):
                assert d.before is not None
                yield d.before


def check(
    pack: Pack, fact_kind: Callable[[str], str | None], file: str, level: str = "community"
) -> list[str]:
    """Problems with the pack's relative forms at a level: each names its item and fact."""
    problems: list[str] = []
    for i, dl in enumerate(pack.deadlines):
        if dl.after is not None and dl.subject == level and fact_kind(dl.after) != "date":
            problems.append(
                f"{file}: deadlines[{i}] ({dl.id}).after: {dl.after!r} is not a date fact"
            )
    for i, d in enumerate(pack.derived if level == "community" else ()):
        if not is_window(d):
            continue
        where = f"{file}: derived[{i}] ({d.path})"
        if d.count_dates is not None and fact_kind(d.count_dates) != "date_list":
            problems.append(f"{where}.count_dates: {d.count_dates!r} is not a date-list fact")
        if d.count_events is not None:
            fact = pack.facts.get(d.count_events)
            if fact is None or fact.type != "events" or fact.level != "community":
                problems.append(
                    f"{where}.count_events: {d.count_events!r} is not an events fact the "
                    "pack declares for communities"
                )
            elif fact.values:
                problems.extend(
                    f"{where}.kinds: {k!r} is not a kind of {d.count_events} "
                    f"({', '.join(fact.values)})"
                    for k in d.kinds
                    if k not in fact.values
                )
        if d.before not in (None, AS_OF) and fact_kind(str(d.before)) != "date":
            problems.append(f"{where}.before: {d.before!r} is not a date fact (or as_of)")
    return problems


def window_counts(pack: Pack, facts: Mapping[str, Any], as_of: dt.date) -> dict[str, Any]:
    """The value of each window-counting derived fact (None when a date it reads is not
    given)."""
    out: dict[str, Any] = {}
    for d in pack.derived:
        if is_window(d):
            out[d.path] = window_count(d, facts, as_of)
    return out


def window_count(d: Derived, facts: Mapping[str, Any], as_of: dt.date) -> int | None:
    """How many of the dates (or events of the kinds) of a window-counting derived fact fall
    in its window, both ends included; None when what it reads is not given."""
    end = as_of if d.before in (None, AS_OF) else facts.get(str(d.before))
    if not isinstance(end, dt.date):
        return None
    if d.count_events is not None:
        events = facts.get(d.count_events)
        if events is None:
            return None
        dates = [e.date for e in events if isinstance(e, Event) and _counted(d, e.kind)]
    else:
        found = facts.get(str(d.count_dates))
        if found is None:
            return None
        dates = list(found)
    start = add_period(end, -(d.within_years or 0), -(d.within_months or 0))
    return sum(1 for day in dates if start <= day <= end and day <= as_of)


def _counted(d: Derived, kind: str) -> bool:
    return not d.kinds or kind in d.kinds
