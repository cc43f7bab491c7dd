"""The gaps of a missed or late deadline (results.md "Gaps"), in words.

:func:`policyengine.gaps.gaps_of` asks here for a deadline that is ``overdue`` or
``met_late`` (a yearly one's gap, the year the evidence must reach, it says itself):

* ``monthly``, a month without a report: the report of that month is what is needed (one
  gap per month, ``needed`` the month ``YYYY-MM``, relation ``contains``); the gap says when
  it was due and that, sent now, it still counts as late.
* ``monthly``, a report sent late: that cannot be put right; the gap says so and names the
  next report due (``needed`` its month, or null after the last period).
* ``once`` decided by a condition (``jurisdiction.leading_group``): done is a pass (lateness
  cannot be known), so each fact of it that is false must become true.

The months, the dates due and the next report are read from the finding's own reason (what
:mod:`policyengine.deadlines` decided on the date), so nothing is worked out twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from policyengine.gap_words import describe_gap
from policyengine.i18n import fact_label, text
from policyengine.messages import Reason, Words, render
from policyengine.pack import Deadline
from policyengine.results import Finding, RuleGap
from policyengine.sentences import who_acts

__all__ = ["deadline_gaps"]

_MONTHLY = frozenset(
    {"dl_monthly_missing", "dl_monthly_missing_late", "dl_monthly_late", "dl_monthly_late_next"}
)


def _decided(reason: Any) -> Reason | None:
    """The deadline's own reason within the finding's (which may add who must act)."""
    if not isinstance(reason, Reason):
        return None
    if reason.code in _MONTHLY:
        return reason
    for arg in reason.args.values():
        found = _decided(arg)
        if found is not None:
            return found
    return None


def _months(items: Any) -> list[Reason]:
    return [r for r in items or () if isinstance(r, Reason) and r.code == "dl_month_due"]


def _said(items: Sequence[Reason], lang: str) -> str:
    return text("sep.list", lang).join(render(r, lang) for r in items)


def deadline_gaps(
    item: Deadline,
    f: Finding,
    facts: Mapping[str, Any],
    lang: str,
    titles: Mapping[str, str] | None = None,
) -> Iterator[RuleGap]:
    """The gaps of a monthly or one-off deadline that is overdue or met late (none for
    another kind or outcome)."""
    if f.outcome not in ("overdue", "met_late"):
        return
    if item.kind == "once":
        yield from _once(item, f, facts, lang, titles)
        return
    if item.kind != "monthly":
        return
    reason = _decided(getattr(f, "reason", None))
    if reason is None:
        return
    path = item.evidence
    now = facts.get(path)
    title = Words(item.title, item.title_en).render(lang)
    label = fact_label(path, lang, titles)
    who = who_acts(f, lang)

    def gap(needed: str | None, message: str) -> RuleGap:
        relation = "contains" if needed is not None else "=="
        return RuleGap.on(f, path, now, needed, relation, message + who)

    for month in _months(reason.args.get("missing")):
        args = month.args
        yield gap(
            args["month"],
            text(
                "gap.dl_month_missing",
                lang,
                month=args["month"],
                due=args["due"],
                title=title,
                fact=label,
                clause=f.clause,
            ),
        )
    late = _months(reason.args.get("late"))
    if late:
        nxt = reason.args.get("next") or ""
        if nxt:
            message = text(
                "gap.dl_month_late",
                lang,
                late=_said(late, lang),
                title=title,
                month=nxt[:7],
                next=nxt,
                clause=f.clause,
            )
            yield gap(nxt[:7], message)
        else:
            said = _said(late, lang)
            message = text("gap.dl_month_late_last", lang, late=said, title=title, clause=f.clause)
            yield gap(None, message)


def _once(
    item: Deadline,
    f: Finding,
    facts: Mapping[str, Any],
    lang: str,
    titles: Mapping[str, str] | None,
) -> Iterator[RuleGap]:
    """A one-off duty decided by a condition: each false fact it reads must become true."""
    if f.outcome != "overdue" or item.due is None:
        return
    for path, now in facts.items():
        if now is not False:
            continue
        message = describe_gap(path, now, True, "==", (), f.clause, lang, titles)
        message += text("gap.dl_once_overdue", lang, due=item.due.isoformat())
        message += who_acts(f, lang)
        yield RuleGap.on(f, path, now, True, "==", message)
